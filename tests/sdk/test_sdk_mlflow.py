"""The SDK's MLflow fields reach the tracking code: a custom-scorer execution started with
``mlflow_resource_arn`` (a local store here; an ARN cannot be reached offline) and
``mlflow_experiment_name`` logs its run, whose metrics equal its metrics.json."""

from __future__ import annotations

import json
import warnings

import pytest

from assay.sdk import CustomScorerEvaluator

pytest.importorskip("mlflow")
pytest.importorskip("assay.rewards")


def test_an_sdk_execution_logs_to_mlflow(out, genqa, tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    from assay.results.query import metric_rows

    store = tmp_path / "mlruns"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa),
                                   model="mock/oracle", s3_output_path=str(out),
                                   mlflow_resource_arn=str(store),
                                   mlflow_experiment_name="sdk-exp", mlflow_run_name="scorer")
    execution = ev.evaluate()
    execution.wait(poll=0.2, timeout=180)
    run_dir = execution.run_dirs()["custom"]
    summary = json.loads((run_dir / "metrics.json").read_text())
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=store.resolve().as_uri())
    exp = client.get_experiment_by_name("sdk-exp")
    assert exp is not None
    runs = client.search_runs([exp.experiment_id])
    assert [r.info.run_name for r in runs] == ["scorer"]
    logged = runs[0].data.metrics
    overall = {row[0]: row[1] for row in metric_rows(summary)
               if row[-1] is None and row[1] is not None}
    assert overall and all(logged[name] == pytest.approx(value)
                           for name, value in overall.items() if name in logged)
    assert len([n for n in overall if n in logged]) == len(overall)


def test_custom_and_base_jobs_are_nested_under_one_parent(out, genqa, tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    store = tmp_path / "mlruns"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa),
                                   model="mock/oracle", base_model_name="mock/echo",
                                   evaluate_base_model=True, s3_output_path=str(out),
                                   mlflow_resource_arn=str(store),
                                   mlflow_experiment_name="sdk-pair")
    execution = ev.evaluate()
    execution.wait(poll=0.2, timeout=180)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=store.resolve().as_uri())
    exp = client.get_experiment_by_name("sdk-pair")
    runs = {r.info.run_id: r for r in client.search_runs([exp.experiment_id])}
    parents = [r for r in runs.values() if r.data.tags.get("assay.role") == "comparison"]
    assert len(parents) == 1 and parents[0].info.run_name == execution.name
    pid = parents[0].info.run_id
    children = {r.data.tags["assay.role"]: r for r in runs.values()
                if r.data.tags.get("mlflow.parentRunId") == pid}
    assert set(children) == {"challenger", "base"}
    # the oracle answers every problem right, the echo none: the parent holds the difference
    diff = parents[0].data.metrics["comparison/aggregate_reward_score_difference"]
    assert diff == pytest.approx(1.0)
    execution.refresh()   # grouping happens once
    assert len(client.search_runs([exp.experiment_id])) == 3
