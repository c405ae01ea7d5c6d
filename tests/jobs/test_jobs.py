"""Background jobs (issue 12): real detached processes with mock models, watched through the
job store. Every test is bounded; the slowest stops a run mid-way and resumes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ASSAY, env_for_subprocess, write_jsonl, write_recipe

pytestmark = pytest.mark.timeout(120)


def _data(tmp: Path, n: int) -> Path:
    return write_jsonl(tmp / "d.jsonl", [{"query": f"q{i}", "response": f"q{i}" if i % 3 else "x"}
                                         for i in range(n)])


def _assay(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*ASSAY, *argv], capture_output=True, text=True, timeout=timeout,
                          env=env_for_subprocess())


def _start(*argv: str) -> str:
    p = _assay("jobs", "start", *argv, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def _status(job_id: str) -> dict:
    p = _assay("jobs", "status", job_id, "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _until(pred, timeout: float = 60, poll: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError("condition not met in time")


def test_start_returns_at_once_then_wait_and_status_show_the_steps(tmp_path):
    recipe, data = write_recipe(tmp_path / "r.yaml"), _data(tmp_path, 40)
    t0 = time.monotonic()
    job_id = _start(str(recipe), "--data", str(data), "-m", "mock/echo", "-M", "latency=0.05",
                    "--concurrency", "8", "--output-dir", str(tmp_path / "out"), "--no-cache")
    assert time.monotonic() - t0 < 3
    assert job_id and "\n" not in job_id
    w = _assay("jobs", "wait", job_id, "--poll", "0.2", timeout=60)
    assert w.returncode == 0, w.stderr
    assert "Succeeded" in w.stdout
    doc = _status(job_id)
    assert doc["status"] == "Succeeded" and doc["exit_code"] == 0
    assert doc["run_dir"] == str((tmp_path / "out" / "t").resolve())
    steps = doc["steps"]
    assert [s["name"] for s in steps] == ["loading", "inference", "writing", "report"]
    for s in steps:
        assert s["status"] == "Succeeded" and s["started"] <= s["ended"]
    inference = steps[1]
    assert (inference["done"], inference["total"], inference["failed"]) == (40, 40, 0)
    text = _assay("jobs", "status", job_id).stdout
    assert "Succeeded" in text and "inference" in text and "40/40" in text
    listed = json.loads(_assay("jobs", "list", "--json").stdout)
    assert [j["id"] for j in listed] == [job_id]
    assert "outputs:" in _assay("jobs", "logs", job_id).stdout


def test_stop_during_inference_then_resume_equals_an_uninterrupted_run(tmp_path):
    recipe, data = write_recipe(tmp_path / "r.yaml"), _data(tmp_path, 400)
    common = ["--data", str(data), "-m", "mock/echo", "-M", "latency=0.05",
              "--set", "assay.unit_size=5", "--no-cache"]
    ref = _assay("run", str(recipe), *common, "--concurrency", "64", "--output-dir",
                 str(tmp_path / "ref"), "--quiet", timeout=60)
    assert ref.returncode == 0, ref.stderr
    log = tmp_path / "requests.log"
    job_id = _start(str(recipe), *common, "--concurrency", "4", "--output-dir",
                    str(tmp_path / "out"), "-M", f"request_log={log}")

    def inference_started():
        steps = _status(job_id)["steps"]
        return any(s["name"] == "inference" and (s["done"] or 0) >= 40 for s in steps)

    _until(inference_started, timeout=30)
    stop = _assay("jobs", "stop", job_id)
    assert stop.returncode == 0 and ("Stopping" in stop.stdout or "Stopped" in stop.stdout)
    w = _assay("jobs", "wait", job_id, "--poll", "0.1", timeout=60)
    assert w.returncode == 130, (w.stdout, w.stderr)
    doc = _status(job_id)
    assert doc["status"] == "Stopped"
    inference = [s for s in doc["steps"] if s["name"] == "inference"][0]
    assert inference["status"] == "Stopped" and inference["done"] < 400
    run_dir = Path(doc["run_dir"])
    units = list((run_dir / "units").glob("*"))
    assert 0 < len(units) < 80
    assert not (run_dir / "metrics.json").exists()
    # a graceful stop: every example that was asked was finished and written, none dropped
    requested = {int(x) for x in log.read_text().split()}
    recorded = {json.loads(line)["index"] for u in units for line in u.read_text().splitlines()}
    assert requested == recorded

    p = _assay("jobs", "start", "--resume", job_id)
    assert p.returncode == 0, p.stderr
    again = p.stdout.strip()
    w = _assay("jobs", "wait", again, "--poll", "0.2", timeout=60)
    assert w.returncode == 0, (w.stdout, w.stderr)
    resumed = _status(again)
    assert resumed["resumed_from"] == job_id and resumed["run_dir"] == doc["run_dir"]
    assert (run_dir / "metrics.json").read_bytes() == \
        (tmp_path / "ref" / "t" / "metrics.json").read_bytes()


def test_a_job_survives_the_cli_that_started_it_being_killed(tmp_path):
    recipe, data = write_recipe(tmp_path / "r.yaml"), _data(tmp_path, 60)
    code = ("import sys, time\nfrom assay.cli.app import main\n"
            f"main(['jobs', 'start', {str(recipe)!r}, '--data', {str(data)!r}, '-m', "
            f"'mock/echo', '-M', 'latency=0.05', '--concurrency', '4', '--output-dir', "
            f"{str(tmp_path / 'out')!r}, '--no-cache'])\n"
            "sys.stdout.flush()\ntime.sleep(60)\n")
    cli = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                           env=env_for_subprocess(), start_new_session=True)
    try:
        job_id = cli.stdout.readline().strip()
        assert job_id
        os.killpg(cli.pid, signal.SIGKILL)   # the CLI and its whole process group
        assert cli.wait(timeout=10) == -signal.SIGKILL
    finally:
        if cli.poll() is None:
            cli.kill()
        cli.stdout.close()
    assert _status(job_id)["status"] == "Executing"
    w = _assay("jobs", "wait", job_id, "--poll", "0.2", timeout=60)
    assert w.returncode == 0, (w.stdout, w.stderr)
    assert _status(job_id)["status"] == "Succeeded"


def test_a_failing_job_is_failed_with_the_reason(tmp_path):
    recipe = write_recipe(tmp_path / "r.yaml")
    job_id = _start(str(recipe), "--data", str(tmp_path / "missing.jsonl"), "-m", "mock/echo",
                    "--output-dir", str(tmp_path / "out"))
    w = _assay("jobs", "wait", job_id, "--poll", "0.1", timeout=60)
    assert w.returncode == 2
    doc = _status(job_id)
    assert doc["status"] == "Failed" and doc["exit_code"] == 2
    assert doc["reason"].startswith("error:") and "missing.jsonl" in doc["reason"]
    assert "Failed" in _assay("jobs", "status", job_id).stdout
    # nothing to resume: the run never started
    r = _assay("jobs", "start", "--resume", job_id)
    assert r.returncode == 2 and "no run to resume" in r.stderr


def test_a_killed_job_process_reads_failed(tmp_path):
    recipe, data = write_recipe(tmp_path / "r.yaml"), _data(tmp_path, 400)
    job_id = _start(str(recipe), "--data", str(data), "-m", "mock/echo", "-M", "latency=0.05",
                    "--concurrency", "2", "--output-dir", str(tmp_path / "out"), "--no-cache")
    _until(lambda: any(s["name"] == "inference" for s in _status(job_id)["steps"]), timeout=30)
    os.kill(_status(job_id)["pid"], signal.SIGKILL)
    doc = _until(lambda: (d := _status(job_id))["status"] != "Executing" and d, timeout=20)
    assert doc["status"] == "Failed" and "died" in doc["reason"]
    assert [s["status"] for s in doc["steps"]][-1] == "Failed"


def test_unknown_job_and_bad_options_are_exit_2(tmp_path):
    assert _assay("jobs", "status", "nope").returncode == 2
    assert _assay("jobs", "start", str(tmp_path / "none.yaml")).returncode == 2
    assert _assay("jobs", "start", "r.yaml", "--no-such-option").returncode == 2
    assert _assay("jobs").returncode == 2
    out = _assay("jobs", "list")
    assert out.returncode == 0 and "no jobs" in out.stdout


def test_python_api_start_wait_result(tmp_path, capsys):
    import assay

    recipe, data = write_recipe(tmp_path / "r.yaml"), _data(tmp_path, 30)
    job = assay.jobs.start(recipe, assay__data=str(data), assay__model="mock/echo",
                           assay__model_args={"latency": 0.02}, assay__output_dir=str(tmp_path / "o"),
                           assay__cache=False)
    assert job.status() in ("Executing", "Succeeded")
    assert job.wait(poll=0.1, timeout=60) == "Succeeded"
    result = job.result()
    assert result.n_examples == 30 and 0 < result.metrics["em"] < 1
    assert result.run_dir == (tmp_path / "o" / "t").resolve()
    steps = job.steps()
    assert steps[1]["name"] == "inference" and steps[1]["done"] == 30
    capsys.readouterr()
    job.show_results()
    assert "em" in capsys.readouterr().out
    assert "outputs:" in job.logs()
    assert [j.id for j in assay.jobs.list()] == [job.id]
    # small units: a stop lets the units in flight finish, and one 30-row unit would finish
    # the whole run whenever the stop lands after it started (start-up is ~0.3 s now)
    slow = assay.jobs.start(recipe, assay__data=str(data), assay__model="mock/echo",
                            assay__model_args={"latency": 0.5}, assay__concurrency=1,
                            assay__unit_size=2, assay__output_dir=str(tmp_path / "slow"),
                            assay__cache=False)
    with pytest.raises(TimeoutError):
        slow.wait(poll=0.05, timeout=0.3)
    assert slow.stop() in ("Stopping", "Stopped")
    assert slow.wait(poll=0.1, timeout=30) == "Stopped"


def test_a_run_with_failed_examples_succeeds_with_a_note(tmp_path):
    recipe, data = write_recipe(tmp_path / "r.yaml"), _data(tmp_path, 40)
    job_id = _start(str(recipe), "--data", str(data), "-m", "mock/echo", "-M", "fail_every=20",
                    "--max-failure-share", "0.5", "--output-dir", str(tmp_path / "out"),
                    "--no-cache")
    w = _assay("jobs", "wait", job_id, "--poll", "0.1", timeout=60)
    assert w.returncode == 3, (w.stdout, w.stderr)
    doc = _status(job_id)
    assert doc["status"] == "Succeeded" and doc["exit_code"] == 3
    assert "2 of 40 examples failed" in doc["reason"]
    inference = [s for s in doc["steps"] if s["name"] == "inference"][0]
    assert (inference["done"], inference["failed"]) == (40, 2)
    assert "note:" in _assay("jobs", "status", job_id).stdout
