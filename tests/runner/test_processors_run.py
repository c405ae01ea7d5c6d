"""Processors inside `assay run`: custom metrics, aggregations, locations and failures."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

import assay
from tests.conftest import write_jsonl, write_recipe
from tests.processors.conftest import lambda_server, url_of

PROC = Path(__file__).parent / "procs" / "ticket_metrics.py"
CLASSES = ["Billing_Issue", "Software_Bug", "Account_Access"]


def _data(tmp_path: Path, n: int = 10, explode_at: int | None = None) -> Path:
    rows = []
    for i in range(n):
        gold = json.dumps({"class": CLASSES[i % 3], "thought": "x" * i})
        q = f"ticket {i}" + (" explode" if i == explode_at else "")
        rows.append({"query": q, "response": gold,
                     "metadata": json.dumps({"difficulty": ["easy", "hard"][i % 2]})})
    return write_jsonl(tmp_path / "d.jsonl", rows)


def _run(tmp_path, proc_block: str, *, n=10, explode_at=None, model="mock/oracle", **kw):
    recipe = write_recipe(tmp_path / "r.yaml", proc_block)
    opts = assay.RunOptions(progress="none", print_summary=False, overwrite=True)
    return assay.evaluate(recipe, opts, assay__data=str(_data(tmp_path, n, explode_at)),
                          assay__output_dir=str(tmp_path / kw.pop("out", "runs")),
                          assay__model=model, assay__group_by="difficulty", **kw)


def _block(location: str, aggregation: str = "average") -> str:
    return ("processor:\n  " + location + "\n  lambda_type: custom_metrics\n"
            "  preprocessing:\n    enabled: true\n  postprocessing:\n    enabled: true\n"
            f"  aggregation: {aggregation}\n")


def _golds(n=10):
    return [len(json.dumps({"class": CLASSES[i % 3], "thought": "x" * i})) for i in range(n)]


def test_custom_metrics_everywhere(tmp_path):
    res = _run(tmp_path, _block(f"path: {PROC}"))
    m = res.metrics
    assert m["class_accuracy"] == 1.0 and m["json_valid"] == 1.0
    assert m["gold_len"] == pytest.approx(sum(_golds()) / 10)
    assert "gold_len_stderr" in m and "em" in m and "rougeL" in m
    doc = json.loads(Path(glob.glob(str(res.run_dir / "eval_results" / "results_*.json"))[0]).read_text())
    for key in ("custom|gen_qa_gen_qa|0", "all"):
        assert doc["results"][key]["class_accuracy"] == 1.0
        assert doc["results"][key]["processor_errors"] == 0
    rec = next(res.records())
    assert rec.metrics["class_accuracy"] == 1.0 and rec.metrics["em"] == 1.0
    assert res.groups["difficulty"]["easy"]["metrics"]["gold_len"]["n"] == 5


@pytest.mark.parametrize("how", ["min", "max", "average", "mean", "sum"])
def test_aggregations_by_hand(tmp_path, how):
    res = _run(tmp_path, _block(f"path: {PROC}", how))
    g = _golds()
    expected = {"min": min(g), "max": max(g), "average": sum(g) / 10, "mean": sum(g) / 10,
                "sum": sum(g)}[how]
    assert res.metrics["gold_len"] == pytest.approx(expected)
    if how in ("average", "mean"):
        mean = sum(g) / 10
        sd = (sum((x - mean) ** 2 for x in g) / 9) ** 0.5
        assert res.metrics["gold_len_stderr"] == pytest.approx(sd / 10 ** 0.5)
    else:
        assert "gold_len_stderr" not in res.metrics
    easy = [x for i, x in enumerate(g) if i % 2 == 0]
    seg = res.groups["difficulty"]["easy"]["metrics"]["gold_len"]["value"]
    assert seg == pytest.approx({"min": min(easy), "max": max(easy), "sum": sum(easy)}.get(
        how, sum(easy) / len(easy)))


def test_processor_failure_on_one_example_in_ten(tmp_path):
    res = _run(tmp_path, _block(f"path: {PROC}"), explode_at=3)
    assert res.n_examples == 10 and res.n_errors == 1
    assert res.summary["processor_errors"] == 1
    assert res.summary["metrics"]["class_accuracy"]["n"] == 9
    bad = [r for r in res.records() if r.error is not None]
    assert len(bad) == 1 and bad[0].index == 3
    assert bad[0].error.stage == "postprocess" and "boom on purpose" in bad[0].error.message
    assert bad[0].prediction is not None and bad[0].metrics["em"] == 1.0


def test_in_process_and_http_give_identical_metrics(tmp_path):
    from assay.processors import load_lambda_handler

    local = _run(tmp_path, _block(f"path: {PROC}"), out="local", model="mock/echo")
    handler = load_lambda_handler(str(PROC))
    for server in lambda_server(handler):
        remote = _run(tmp_path, _block(f"url: {url_of(server)}"), out="remote", model="mock/echo")
    assert local.metrics == remote.metrics
    assert (local.run_dir / "metrics.json").read_text() == (remote.run_dir / "metrics.json").read_text()


def test_preprocess_replaces_prompt(tmp_path):
    res = _run(tmp_path, _block(f"path: {PROC}"), model="mock/echo")
    rec = next(res.records())
    assert rec.messages[-1]["content"] == "ticket 0"   # the preprocessor's stripped prompt


def test_processor_block_without_location_is_inactive(tmp_path):
    res = _run(tmp_path, "processor:\n  lambda_arn:\n  preprocessing:\n    enabled: true\n")
    assert "class_accuracy" not in res.metrics


def test_nova_processor_file_through_the_cli(tmp_path):
    """The user's file, unedited, named by the recipe, run by `assay run` as a user would."""
    import subprocess

    from tests.conftest import ASSAY, env_for_subprocess

    recipe = write_recipe(tmp_path / "r.yaml", _block(f"path: {PROC}"))
    data = _data(tmp_path, 10, explode_at=5)
    proc = subprocess.run([*ASSAY, "run", str(recipe), "--data", str(data), "-m", "mock/oracle",
                           "--output-dir", str(tmp_path / "cli"), "--progress", "none"],
                          env=env_for_subprocess(), capture_output=True, text=True, timeout=120)
    # one example's processor raised: every output is written, and the exit code says so
    assert proc.returncode == 3, proc.stderr
    assert "1 of 10 examples failed" in proc.stderr
    assert "class_accuracy" in proc.stdout and "postprocess:processor 1" in proc.stdout
    doc = json.loads(Path(glob.glob(str(tmp_path / "cli" / "t" / "eval_results" / "results_*.json"))[0]).read_text())
    assert doc["results"]["all"]["class_accuracy"] == 1.0
    assert doc["results"]["all"]["processor_errors"] == 1
