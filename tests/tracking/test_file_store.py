"""Runs logged to a real MLflow file store: a gen_qa run with segments, a benchmark run with
a base model (one parent, two nested children), a server that is down, a run that fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
from assay.runner.run import RunOptions

from ..conftest import ROOT
from .helpers import check_logged, client, download, free_port, gen_qa_recipe, reading

pytest.importorskip("mlflow")

QUIET = RunOptions(progress="none", print_summary=False)
ARC = ROOT / "tests" / "benchmarks" / "fixtures" / "arc"


def _mlflow(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["mlflow"]


@pytest.mark.parametrize("model", ["mock/oracle", "mock/constant"])
def test_gen_qa_run_in_a_file_store(tmp_path, model):
    uri = (tmp_path / "mlruns").as_uri()
    recipe = gen_qa_recipe(tmp_path, uri, mlflow_experiment_name="tracking-test",
                           mlflow_run_name="gen-qa-" + model[5:])
    recipe["assay"]["model"] = model
    res = assay.evaluate(recipe, QUIET)
    doc = _mlflow(res.run_dir)
    assert doc["status"] == "logged" and doc["tracking_uri"] == uri
    assert doc["experiment"] == "tracking-test"
    run, _ = check_logged(uri, doc["run_id"], res.run_dir, tmp_path,
                          run_name="gen-qa-" + model[5:], experiment="tracking-test")
    m = run.data.metrics
    summary = json.loads((res.run_dir / "metrics.json").read_text())
    # names spelled out: overall, its statistics, and one segment per difficulty
    assert m["f1"] == summary["metrics"]["f1"]["value"]
    assert m["f1_stderr"] == summary["metrics"]["f1"]["stderr"]
    for seg, cell in summary["groups"]["difficulty"].items():
        assert m[f"segment/difficulty-{seg}/f1"] == cell["metrics"]["f1"]["value"]
    assert run.data.params["assay.group_by"] == '["difficulty"]'
    assert run.data.params["assay.model"] == model
    assert run.data.params["run.mlflow_tracking_uri"] == uri
    if model == "mock/constant":   # not every score is 1: the values are the run's own
        assert m["f1"] < 1


def test_local_path_becomes_a_file_store_and_default_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = assay.evaluate(gen_qa_recipe(tmp_path, "store"), QUIET)
    doc = _mlflow(res.run_dir)
    assert doc["tracking_uri"] == (tmp_path / "store").resolve().as_uri()
    assert doc["experiment"] == "assay" and doc["run_name"] == "tracked"
    with reading():
        run = client(doc["tracking_uri"]).get_run(doc["run_id"])
    assert run.info.run_name == "tracked"


def test_benchmark_with_base_model_is_a_parent_with_two_children(tmp_path):
    uri = (tmp_path / "mlruns").as_uri()
    recipe = {"run": {"name": "bench", "mlflow_tracking_uri": uri},
              "evaluation": {"task": "arc", "strategy": "zs", "metric": "accuracy"},
              "inference": {"max_new_tokens": 32, "temperature": 0},
              "assay": {"model": "mock/oracle", "data": str(ARC), "cache": False,
                        "output_dir": str(tmp_path / "runs"),
                        "benchmark": {"method": "generate", "base_model": "mock/constant",
                                      "evaluate_base_model": True,
                                      "base_model_args": {"text": "Answer: A"}}}}
    res = assay.evaluate(recipe, QUIET)
    doc = _mlflow(res.run_dir)
    assert doc["status"] == "logged" and set(doc["children"]) == {"challenger", "base"}
    c = client(uri)
    with reading():
        parent = c.get_run(doc["run_id"])
        kids = c.search_runs([parent.info.experiment_id],
                             f"tags.`mlflow.parentRunId` = '{doc['run_id']}'")
        assert len(c.search_runs([parent.info.experiment_id])) == 3
    assert {k.info.run_id for k in kids} == set(doc["children"].values())
    assert {k.data.tags["assay.role"] for k in kids} == {"challenger", "base"}
    # the parent holds the comparison: paired differences, CIs, p-values
    comp = json.loads((res.run_dir / "comparison.json").read_text())
    ov = comp["metrics"]["acc"]["overall"]
    pm = parent.data.metrics
    for stat in ("base", "challenger", "difference", "ci_low", "ci_high", "p_value"):
        assert pm[f"comparison/acc_{stat}"] == pytest.approx(ov[stat], rel=1e-12)
    for sub, cell in comp["metrics"]["acc"]["subtasks"].items():
        assert pm[f"comparison/subtask-{sub}/acc_p_value"] == pytest.approx(cell["p_value"])
    assert parent.data.params["base_model"] == "mock/constant"
    assert parent.data.tags["assay.verdict"] == comp["verdict"]
    files = download(uri, doc["run_id"], tmp_path / "parent")
    assert json.loads((files / "comparison.json").read_text()) == comp
    assert (files / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    # each child equals its own metrics.json
    check_logged(uri, doc["children"]["challenger"], res.run_dir, tmp_path,
                 run_name="bench/challenger", html=False)
    base, _ = check_logged(uri, doc["children"]["base"], res.run_dir / "base", tmp_path,
                           run_name="bench/base", html=False)
    assert base.data.params["model"].startswith("mock/constant")
    assert base.data.metrics["acc"] == pytest.approx(ov["base"])


def test_server_down_keeps_the_run_and_records_the_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    uri = f"http://127.0.0.1:{free_port()}"   # nothing listens there
    res = assay.evaluate(gen_qa_recipe(tmp_path, uri), QUIET)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("warning: the run was not logged")]
    assert len(lines) == 1, err
    assert str(res.run_dir) in lines[0]
    manifest = json.loads((res.run_dir / "run.json").read_text())
    assert manifest["status"] == "succeeded"
    assert manifest["mlflow"]["status"] == "failed" and manifest["mlflow"]["reason"]
    assert (res.run_dir / "metrics.json").is_file() and (res.run_dir / "report.html").is_file()


def test_cli_server_down_exits_0(tmp_path):
    import subprocess

    import yaml

    from ..conftest import ASSAY, env_for_subprocess

    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump(gen_qa_recipe(tmp_path, None)))
    env = dict(env_for_subprocess(), MLFLOW_HTTP_REQUEST_MAX_RETRIES="0")
    env.pop("MLFLOW_TRACKING_URI", None)
    p = subprocess.run([*ASSAY, "run", str(recipe), "--quiet",
                        "--mlflow", f"http://127.0.0.1:{free_port()}"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("warning: the run was not logged to MLflow") == 1, p.stderr
    manifest = json.loads((tmp_path / "runs" / "tracked" / "run.json").read_text())
    assert manifest["mlflow"]["status"] == "failed"


def test_aborted_run_is_logged_with_its_status(tmp_path):
    from assay.errors import RunAborted

    uri = (tmp_path / "mlruns").as_uri()
    recipe = gen_qa_recipe(tmp_path, uri)
    recipe["assay"]["model_args"] = {"fail_every": 2}   # half the examples fail: past 5 %
    with pytest.raises(RunAborted):
        assay.evaluate(recipe, QUIET)
    run_dir = tmp_path / "runs" / "tracked"
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "aborted" and manifest["mlflow"]["status"] == "logged"
    with reading():
        run = client(uri).get_run(manifest["mlflow"]["run_id"])
    assert run.info.status == "FAILED"
    assert run.data.tags["assay.status"] == "aborted"
    assert "RunAborted" in run.data.tags["assay.error"]
    assert run.data.params["task"] == "gen_qa"


def test_a_local_db_file_is_an_sqlite_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = assay.evaluate(gen_qa_recipe(tmp_path, "track/mlflow.db"), QUIET)
    doc = _mlflow(res.run_dir)
    assert doc["tracking_uri"] == "sqlite:///" + (tmp_path / "track" / "mlflow.db").as_posix()
    check_logged(doc["tracking_uri"], doc["run_id"], res.run_dir, tmp_path, run_name="tracked")
    assert doc["artifact_uri"].startswith((tmp_path / "track" / "mlflow-artifacts").as_uri())


def test_stopped_run_is_logged_as_killed(tmp_path):
    from assay.errors import RunStopped
    from assay.runner.stop import clear_stop, request_stop

    uri = (tmp_path / "mlruns").as_uri()
    request_stop()   # as `assay jobs stop` does: no unit is started
    try:
        with pytest.raises(RunStopped):
            assay.evaluate(gen_qa_recipe(tmp_path, uri), QUIET)
    finally:
        clear_stop()
    manifest = json.loads((tmp_path / "runs" / "tracked" / "run.json").read_text())
    assert manifest["status"] == "stopped" and manifest["mlflow"]["status"] == "logged"
    with reading():
        run = client(uri).get_run(manifest["mlflow"]["run_id"])
    assert run.info.status == "KILLED" and run.data.tags["assay.status"] == "stopped"
