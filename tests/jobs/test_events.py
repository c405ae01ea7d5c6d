"""The runner's events hook (assay.runner.events) and the job store's observer, in process."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from assay.cli.app import main
from assay.jobs.events import JobEvents
from assay.jobs.job import DIED, Job
from assay.jobs.launcher import overrides_to_args
from assay.jobs.store import JobStore
from assay.jobs.worker import final_status, last_error_line
from assay.runner.events import RunEvents
from assay.runner.run import RunOptions, evaluate
from tests.conftest import write_jsonl, write_recipe

pytestmark = pytest.mark.timeout(60)


class Recorder(RunEvents):
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def step_started(self, name):
        self.calls.append(("start", name))

    def step_finished(self, name, *, status="Succeeded", reason=None):
        self.calls.append(("end", name, status))

    def run_dir(self, path):
        self.calls.append(("dir", path.name))

    def progress(self, done, total, failed):
        self.calls.append(("progress", done, total, failed))


def test_the_runner_reports_its_steps_and_counts(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": f"q{i}", "response": "x"}
                                             for i in range(25)])
    rec = Recorder()
    evaluate(write_recipe(tmp_path / "r.yaml"),
             RunOptions(progress="none", print_summary=False, events=rec),
             assay__data=str(data), assay__model="mock/echo", assay__cache=False,
             assay__output_dir=str(tmp_path / "out"))
    steps = [c for c in rec.calls if c[0] != "progress"]
    assert steps == [("start", "loading"), ("end", "loading", "Succeeded"),
                     ("start", "inference"), ("dir", "t"), ("end", "inference", "Succeeded"),
                     ("start", "writing"), ("end", "writing", "Succeeded"),
                     ("start", "report"), ("end", "report", "Succeeded")]
    counts = [c[1:] for c in rec.calls if c[0] == "progress"]
    assert counts[-1] == (25, 25, 0)
    assert len(counts) <= 4   # throttled: about one a second, plus the last


def test_a_judge_task_calls_its_model_step_judging(tmp_path):
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"prompt": f"p{i}", "response_A": "a", "response_B": "b"} for i in range(4)])
    script = write_jsonl(tmp_path / "judge.jsonl",
                         [{"index": i, "text": "[[A>B]]"} for i in range(8)])
    judge = tmp_path / "j.yaml"
    judge.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                     "  metric: all\ninference:\n  max_new_tokens: 32\n", encoding="utf-8")
    rec = Recorder()
    evaluate(judge, RunOptions(progress="none", print_summary=False, events=rec),
             assay__data=str(pairs), judge__model="mock/script",
             judge__model_args={"file": str(script)}, assay__cache=False,
             assay__output_dir=str(tmp_path / "out"))
    names = [c[1] for c in rec.calls if c[0] == "start"]
    assert names == ["loading", "judging", "writing", "report"]


def test_a_failing_step_is_recorded_failed(tmp_path):
    rec = Recorder()
    with pytest.raises(Exception):
        evaluate(write_recipe(tmp_path / "r.yaml"),
                 RunOptions(progress="none", print_summary=False, events=rec),
                 assay__data=str(tmp_path / "d.jsonl"), assay__model="mock/echo",
                 assay__output_dir=str(tmp_path / "out"))
    assert rec.calls[-1][0] == "end" and rec.calls[-1][2] == "Failed"


def test_the_store_observer_records_cluster_steps_and_counts(tmp_path, monkeypatch, capsys):
    store = JobStore()
    store.insert("j1", argv=["run", "r.yaml"], cwd=str(tmp_path), recipe="r.yaml",
                 log=str(tmp_path / "log.txt"))
    monkeypatch.setenv("ASSAY_JOB_ID", "j1")
    recipe = SimpleNamespace(run=SimpleNamespace(name="t", replicas=3),
                             assay=SimpleNamespace(ray_address="ray://head:10001"))
    ev = JobEvents.from_environ(recipe)
    monkeypatch.delenv("ASSAY_JOB_ID")
    ev.step_started("inference")
    ev.progress(5, 10, 1)
    ev.run_dir(tmp_path / "run")
    ev.step_finished("inference", status="Failed", reason="boom")
    row = store.get("j1")
    assert (row["cluster"], row["replicas"], row["name"]) == ("ray://head:10001", 3, "t")
    assert row["run_dir"] == str((tmp_path / "run").resolve())
    (step,) = store.steps("j1")
    assert (step["name"], step["status"], step["done"], step["total"], step["failed"],
            step["reason"]) == ("inference", "Failed", 5, 10, 1, "boom")
    # no process ever ran this job: it reads Failed (after the start grace for a missing pid)
    store.update("j1", pid=2 ** 22 + 12345)
    assert Job("j1").status() == "Failed" and Job("j1").info()["reason"] == DIED
    assert main(["jobs", "status", "j1"]) == 0
    out = capsys.readouterr().out
    assert "ray://head:10001" in out and "replicas 3" in out
    assert main(["jobs", "status", "j1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"][0]["reason"] == "boom"


def test_exit_codes_map_to_statuses(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("t: 1/4\nwarning: 1 of 4 examples failed; ...\nerror: bad [x]\nlast\n")
    assert final_status(0, log) == ("Succeeded", None)
    assert final_status(3, log) == ("Succeeded", "warning: 1 of 4 examples failed; ...")
    assert final_status(2, log) == ("Failed", "error: bad [x]")
    assert final_status(130, log, "J")[0] == "Stopped" and "--resume J" in final_status(
        130, log, "J")[1]
    assert last_error_line(tmp_path / "none") is None


def test_keyword_overrides_become_set_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = overrides_to_args({"assay__model": "mock/echo", "assay__data": "d.jsonl",
                              "assay__model_args": {"latency": 0.5}, "assay__cache": False,
                              "assay__group_by": ["a", "b"]})
    assert args == ["--set", "assay.model=mock/echo",
                    "--set", f"assay.data={tmp_path.resolve() / 'd.jsonl'}",
                    "--set", "assay.model_args.latency=0.5", "--set", "assay.cache=false",
                    "--set", "assay.group_by=a,b"]
    with pytest.raises(TypeError):
        overrides_to_args({"assay__limit": None})


def test_a_task_with_two_runs_names_the_second_run_steps(tmp_path):
    from tests.conftest import ROOT

    bench = tmp_path / "b.yaml"
    bench.write_text("run:\n  name: b\nevaluation:\n  task: arc_easy\n  strategy: zs\n"
                     "  metric: accuracy\ninference:\n  max_new_tokens: 32\n", encoding="utf-8")
    rec = Recorder()
    evaluate(bench, RunOptions(progress="none", print_summary=False, events=rec),
             assay__data=str(ROOT / "tests" / "benchmarks" / "fixtures" / "arc"),
             assay__model="mock/echo", assay__benchmark__base_model="mock/constant",
             assay__benchmark__evaluate_base_model=True, assay__cache=False,
             assay__output_dir=str(tmp_path / "out"))
    names = [c[1] for c in rec.calls if c[0] == "start"]
    assert names == ["loading", "inference", "writing", "inference (b/base)",
                     "writing (b/base)", "combining", "report"]
    assert [c[1] for c in rec.calls if c[0] == "dir"] == ["b", "base"]
