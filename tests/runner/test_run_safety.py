"""Run safety: --overwrite never removes what is not an assay run, one writer per run
directory, hostile output locations, corrupted unit files, --resume from the run directory
alone, and exit codes that say what happened (issue 10; SEC-3, REL-5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from assay.cli.app import main
from tests.conftest import ASSAY, env_for_subprocess, write_jsonl, write_recipe

pytestmark = pytest.mark.timeout(180)


def _rows(n: int) -> list[dict]:
    return [{"query": f"q {i}", "response": f"q {i}" if i % 4 else "other",
             "metadata": json.dumps({"difficulty": ["easy", "hard"][i % 2]})} for i in range(n)]


def _setup(tmp_path: Path, n: int = 20) -> tuple[Path, Path]:
    data = write_jsonl(tmp_path / "d.jsonl", _rows(n))
    recipe = write_recipe(tmp_path / "r.yaml")
    return recipe, data


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _run_args(recipe: Path, data: Path, out: Path, *extra: str) -> list[str]:
    return ["run", str(recipe), "--data", str(data), "--output-dir", str(out), "-m", "mock/echo",
            "--progress", "none", "--quiet", *extra]


# -- --overwrite (SEC-3) -----------------------------------------------------------------------
def test_overwrite_leaves_a_folder_that_is_not_a_run_untouched(tmp_path, capsys):
    recipe, data = _setup(tmp_path)
    victim = tmp_path / "victim" / "precious"
    (victim / "sub").mkdir(parents=True)
    files = {victim / "notes.txt": "my notes", victim / "sub" / "deep.txt": "deep",
             victim / "run.json.bak": "{}"}
    for p, text in files.items():
        p.write_text(text)
    code, _, err = _cli(capsys, *_run_args(recipe, data, tmp_path / "victim", "--name", "precious",
                                           "--overwrite"))
    assert code == 2
    assert err.count("\n") == 1 and "not an assay run" in err and "nothing was changed" in err
    for p, text in files.items():
        assert p.read_text() == text
    assert sorted(x.name for x in victim.iterdir()) == ["notes.txt", "run.json.bak", "sub"]


def test_overwrite_refuses_a_folder_whose_run_json_is_not_a_manifest(tmp_path, capsys):
    recipe, data = _setup(tmp_path)
    victim = tmp_path / "out" / "t"
    victim.mkdir(parents=True)
    (victim / "run.json").write_text('{"something": "else"}')
    (victim / "keep.txt").write_text("x")
    code, _, err = _cli(capsys, *_run_args(recipe, data, tmp_path / "out", "--overwrite"))
    assert code == 2 and "not an assay run" in err
    assert (victim / "keep.txt").read_text() == "x"


def test_overwrite_of_a_finished_run_starts_over(tmp_path, capsys):
    recipe, data = _setup(tmp_path)
    out = tmp_path / "out"
    code, _, err = _cli(capsys, *_run_args(recipe, data, out))
    assert code == 0, err
    stray = out / "t" / "units" / "stray.jsonl"
    stray.write_text("")
    code, _, err = _cli(capsys, *_run_args(recipe, data, out, "--overwrite"))
    assert code == 0, err
    assert not stray.exists() and (out / "t" / "metrics.json").exists()


def test_demo_and_generate_never_remove_a_foreign_folder(tmp_path, capsys):
    data = write_jsonl(tmp_path / "d.jsonl", _rows(4))
    foreign = tmp_path / "out" / "generate-A"
    foreign.mkdir(parents=True)
    (foreign / "mine.txt").write_text("keep")
    code, _, err = _cli(capsys, "generate", "--data", str(data), "-m", "mock/echo",
                        "-m", "mock/constant", "--out", str(tmp_path / "pairs.jsonl"),
                        "--output-dir", str(tmp_path / "out"), "--progress", "none")
    assert code == 2 and "not an assay run" in err
    assert (foreign / "mine.txt").read_text() == "keep"


# -- hostile output locations ------------------------------------------------------------------
@pytest.mark.parametrize("where", ["file", "/dev/null", "/proc/self"])
def test_output_dir_that_cannot_hold_runs_is_one_line(tmp_path, capsys, where):
    recipe, data = _setup(tmp_path)
    if where == "file":
        target = tmp_path / "plain.txt"
        target.write_text("not a folder")
    else:
        target = Path(where)
    code, _, err = _cli(capsys, *_run_args(recipe, data, target))
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    if where == "file":
        assert target.read_text() == "not a folder"


# -- one writer per run (REL-5) ----------------------------------------------------------------
def test_second_writer_is_refused_and_the_first_finishes_intact(tmp_path):
    n = 240
    data = write_jsonl(tmp_path / "d.jsonl", _rows(n))
    recipe = write_recipe(tmp_path / "r.yaml")
    out = tmp_path / "out"
    env = env_for_subprocess()
    base = [*ASSAY, "run", str(recipe), "--data", str(data), "--output-dir", str(out),
            "-m", "mock/echo", "-M", "latency=0.04", "--concurrency", "2",
            "--set", "assay.unit_size=4", "--progress", "none", "--quiet"]
    first = subprocess.Popen(base, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        units = out / "t" / "units"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (units.exists() and any(units.glob("*.jsonl"))):
            time.sleep(0.05)
        assert first.poll() is None, "the first run ended before the test could race it"
        for extra in ([], ["--resume"], ["--overwrite"]):
            second = subprocess.run(base + extra, env=env, capture_output=True, text=True,
                                    timeout=60)
            assert second.returncode == 2, (extra, second.stderr)
            assert f"in use by process {first.pid}" in second.stderr, second.stderr
            assert second.stderr.count("\n") == 1
        assert first.poll() is None, "the refused writers must not disturb the live run"
        assert sum(1 for _ in units.glob("*.jsonl")) >= 1
    finally:
        stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    lines = (out / "t" / "examples.jsonl").read_text().splitlines()
    assert [json.loads(x)["index"] for x in lines] == list(range(n))
    assert pq.read_table(out / "t" / "examples.parquet").num_rows == n
    manifest = json.loads((out / "t" / "run.json").read_text())
    assert manifest["status"] == "succeeded"
    # the lock went with the process: the run can be reopened at once
    from assay.results.run_lock import lock_holder
    assert lock_holder(out / "t") is None


def test_lock_is_released_when_the_holder_is_killed(tmp_path):
    from assay.results.run_lock import RunLock, lock_holder

    code = ("import sys, time; from pathlib import Path; from assay.results.run_lock import RunLock;"
            "l = RunLock(Path(sys.argv[1])); l.acquire(); print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], env=env_for_subprocess(),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        assert lock_holder(tmp_path) == proc.pid
        with pytest.raises(Exception, match=f"in use by process {proc.pid}"):
            RunLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait()
    assert lock_holder(tmp_path) is None
    lock = RunLock(tmp_path)
    lock.acquire()
    assert lock_holder(tmp_path) == os.getpid() or lock.held
    lock.release()


# -- resume ------------------------------------------------------------------------------------
def test_corrupted_unit_file_on_resume_is_one_line(tmp_path, capsys):
    recipe, data = _setup(tmp_path, 20)
    out = tmp_path / "out"
    args = _run_args(recipe, data, out, "--set", "assay.unit_size=5")
    assert _cli(capsys, *args)[0] == 0
    unit = sorted((out / "t" / "units").glob("*.jsonl"))[1]
    lines = unit.read_text().splitlines(keepends=True)
    lines[2] = '{"index": 7, "broken\n'
    unit.write_text("".join(lines))
    code, _, err = _cli(capsys, *args, "--resume")
    assert code == 2 and err.count("\n") == 1
    assert f"{unit}:3" in err and "delete this file" in err
    lines[2] = json.dumps({"index": 99}) + "\n"       # parses, but is not this unit's row
    unit.write_text("".join(lines))
    code, _, err = _cli(capsys, *args, "--resume")
    assert code == 2 and f"{unit}:3" in err and "field 'index'" in err


def test_resume_from_the_run_directory_alone(tmp_path, capsys):
    recipe, data = _setup(tmp_path, 30)
    out = tmp_path / "out"
    args = _run_args(recipe, data, out, "--set", "assay.unit_size=5", "--temperature", "0")
    assert _cli(capsys, *args)[0] == 0
    ref = (out / "t" / "metrics.json").read_bytes()
    for unit in sorted((out / "t" / "units").glob("*.jsonl"))[2:]:
        unit.unlink()
    (out / "t" / "metrics.json").unlink()
    code, _, err = _cli(capsys, "run", str(out / "t"), "--resume", "--progress", "none",
                        "--quiet")
    assert code == 0, err
    assert (out / "t" / "metrics.json").read_bytes() == ref
    # an option given again must match what the run recorded, and the key is named
    code, _, err = _cli(capsys, "run", str(out / "t"), "--resume", "--temperature", "0.7",
                        "--quiet")
    assert code == 2 and "inference.temperature" in err and "0.7" in err
    code, _, err = _cli(capsys, "run", str(out / "t"), "--resume", "-m", "mock/oracle",
                        "--quiet")
    assert code == 2 and "assay.model" in err
    # options that do not change results may differ
    code, _, err = _cli(capsys, "run", str(out / "t"), "--resume", "--concurrency", "3",
                        "--quiet")
    assert code == 0, err
    # without --resume a run directory is not a recipe
    code, _, err = _cli(capsys, "run", str(out / "t"), "--quiet")
    assert code == 2 and "--resume" in err


def test_resume_with_a_changed_recipe_names_the_key(tmp_path, capsys):
    recipe, data = _setup(tmp_path, 10)
    out = tmp_path / "out"
    assert _cli(capsys, *_run_args(recipe, data, out))[0] == 0
    code, _, err = _cli(capsys, *_run_args(recipe, data, out, "--max-new-tokens", "9",
                                           "--resume"))
    assert code == 2 and "'inference.max_new_tokens' differs" in err and "9" in err


# -- exit codes and honest outcomes ------------------------------------------------------------
def test_exit_code_3_when_examples_fail_and_allow_failures(tmp_path, capsys):
    recipe, data = _setup(tmp_path, 40)
    out = tmp_path / "out"
    # 2 of 40 fail: under the default max_failure_share of 5%, so the run finishes
    args = _run_args(recipe, data, out, "-M", "fail_every=20")
    code, _, err = _cli(capsys, *args)
    assert code == 3 and "2 of 40 examples failed" in err
    code, _, err = _cli(capsys, *args, "--overwrite", "--allow-failures")
    assert code == 0 and "allowed by --allow-failures" in err


def test_default_failure_share_aborts_with_exit_4(tmp_path, capsys):
    recipe, data = _setup(tmp_path, 100)
    out = tmp_path / "out"
    code, _, err = _cli(capsys, *_run_args(recipe, data, out, "-M", "fail_every=10",
                                           "--set", "assay.unit_size=10"))
    assert code == 4 and "max_failure_share" in err and err.count("\n") == 1
    assert json.loads((out / "t" / "run.json").read_text())["status"] == "aborted"


def test_all_judge_verdicts_unparseable_is_not_a_success(tmp_path, capsys):
    pairs = write_jsonl(tmp_path / "p.jsonl", [
        {"prompt": f"p{i}", "response_A": "a", "response_B": "b"} for i in range(6)])
    recipe = tmp_path / "j.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 16\n")
    code, _, err = _cli(capsys, "run", str(recipe), "--data", str(pairs), "--judge",
                        "mock/constant", "-J", "text=I cannot decide", "--output-dir",
                        str(tmp_path / "out"), "--progress", "none", "--quiet")
    assert code == 4 and "no example was scored" in err
    assert json.loads((tmp_path / "out" / "j" / "run.json").read_text())["status"] == "failed"


def test_model_flag_on_a_judge_run_is_an_error(tmp_path, capsys):
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "p", "response_A": "a",
                                                "response_B": "b"}])
    recipe = tmp_path / "j.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 16\n")
    code, _, err = _cli(capsys, "run", str(recipe), "--data", str(pairs), "-m", "mock/echo",
                        "--output-dir", str(tmp_path / "out"), "--quiet")
    assert code == 2 and "--judge" in err and "field '-m'" in err
    assert not (tmp_path / "out").exists()


def test_a_bug_aborts_the_run_instead_of_becoming_example_errors(tmp_path, capsys, monkeypatch):
    from assay.metrics.genqa import GenQAScorer

    def broken(self, prediction, gold):
        raise ZeroDivisionError("a bug in a metric")

    monkeypatch.setattr(GenQAScorer, "score", broken)
    recipe, data = _setup(tmp_path, 10)
    out = tmp_path / "out"
    code, _, err = _cli(capsys, *_run_args(recipe, data, out))
    assert code == 1
    assert err.count("\n") == 1 and "internal error: ZeroDivisionError: a bug in a metric" in err
    assert "--debug" in err
    manifest = json.loads((out / "t" / "run.json").read_text())
    assert manifest["status"] == "aborted" and "ZeroDivisionError" in manifest["error"]
    with pytest.raises(ZeroDivisionError):
        main(_run_args(recipe, data, out, "--overwrite", "--debug"))


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("assay ")


# -- one path rule -----------------------------------------------------------------------------
def test_recipe_paths_resolve_against_the_recipe_folder(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "project"
    folder.mkdir()
    write_jsonl(folder / "d.jsonl", _rows(4))
    write_recipe(folder / "r.yaml", "assay:\n  data: d.jsonl\n  output_dir: out\n"
                                    "  model: mock/echo\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_jsonl(elsewhere / "d.jsonl", _rows(2))   # must not be picked up
    monkeypatch.chdir(elsewhere)
    code, _, err = _cli(capsys, "run", str(folder / "r.yaml"), "--quiet")
    assert code == 0, err
    assert (folder / "out" / "t" / "metrics.json").exists()
    assert json.loads((folder / "out" / "t" / "metrics.json").read_text())["n_examples"] == 4
    assert not (elsewhere / "out").exists()
    # command-line paths are the caller's: relative to the working directory
    code, _, err = _cli(capsys, "run", str(folder / "r.yaml"), "--data", "d.jsonl",
                        "--output-dir", "cli-out", "--quiet")
    assert code == 0, err
    assert json.loads((elsewhere / "cli-out" / "t" / "metrics.json").read_text())[
        "n_examples"] == 2
