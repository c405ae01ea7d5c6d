"""A toy task defined outside assay and registered only through the ``assay.tasks`` entry
point runs from the CLI with resume, both output layouts and an HTML report, without any
change to assay's runner."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ASSAY, ROOT, write_jsonl

pytestmark = pytest.mark.timeout(180)

PLUGIN = Path(__file__).parent / "toy_plugin"


def _site(tmp: Path) -> Path:
    """A folder on PYTHONPATH holding the plug-in module and its distribution metadata, as
    `pip install` would leave them."""
    site = tmp / "site"
    dist = site / "toy_assay_task-0.1.dist-info"
    dist.mkdir(parents=True)
    shutil.copy(PLUGIN / "toy_assay_task.py", site / "toy_assay_task.py")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-assay-task\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[assay.tasks]\nlength_ratio = toy_assay_task:LengthRatioTask\n")
    return site


def _env(site: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT / "src"), str(ROOT)])
    return env


def test_entry_point_task_runs_with_resume_outputs_and_report(tmp_path):
    site = _site(tmp_path)
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": f"say {'x' * i}", "response": "x" * 8}
                                              for i in range(30)])
    recipe = tmp_path / "toy.yaml"
    recipe.write_text("run:\n  name: toy\nevaluation:\n  task: length_ratio\n"
                      "inference:\n  max_new_tokens: 16\n")
    cmd = [*ASSAY, "run", str(recipe), "--data", str(data), "-m", "mock/echo",
           "--output-dir", str(tmp_path / "out"), "--set", "assay.unit_size=5", "--quiet"]
    first = subprocess.run(cmd, env=_env(site), capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    run = tmp_path / "out" / "toy"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["task"] == "length_ratio" and metrics["n_examples"] == 30
    expected = sum(min(2.0, len(f"say {'x' * i}") / 8) for i in range(30)) / 30
    assert abs(metrics["flat"]["length_ratio"] - expected) < 1e-12
    # both layouts and the report
    nova = json.loads(Path(glob.glob(str(run / "eval_results" / "results_*.json"))[0]).read_text())
    assert "custom|length_ratio_length_ratio|0" in nova["results"] and "all" in nova["results"]
    assert (run / "examples.parquet").exists() and (run / "examples.jsonl").exists()
    assert glob.glob(str(run / "eval_results" / "details" / "*" / "*" / "*.parquet"))
    assert "<html" in (run / "report.html").read_text()
    # resume: drop two units, resume, same numbers
    ref = (run / "metrics.json").read_bytes()
    for unit in sorted((run / "units").glob("*.jsonl"))[-2:]:
        unit.unlink()
    again = subprocess.run([*ASSAY, "run", str(run), "--resume", "--quiet"], env=_env(site),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert (run / "metrics.json").read_bytes() == ref
    # and `assay report` redraws it through the same registry
    report = subprocess.run([*ASSAY, "report", str(run)], env=_env(site), capture_output=True,
                            text=True, timeout=120)
    assert report.returncode == 0 and "report.html" in report.stdout


def test_without_the_entry_point_the_task_is_unknown(tmp_path):
    recipe = tmp_path / "toy.yaml"
    recipe.write_text("run:\n  name: toy\nevaluation:\n  task: length_ratio\n")
    env = _env(tmp_path / "empty")
    p = subprocess.run([*ASSAY, "run", str(recipe), "--data", str(tmp_path / "d.jsonl"),
                        "--quiet"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "task length_ratio is not available" in p.stderr


def test_the_toy_task_touches_no_runner_file():
    text = (PLUGIN / "toy_assay_task.py").read_text()
    runner = sorted(p.stem for p in (ROOT / "src" / "assay" / "runner").glob("*.py"))
    # it uses the runner's public per-example helper only; nothing in runner names it
    for p in (ROOT / "src" / "assay" / "runner").glob("*.py"):
        assert "length_ratio" not in p.read_text()
    assert "runner.context" in text and runner
