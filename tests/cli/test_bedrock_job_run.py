"""``assay run job.json``: a Bedrock ``create_evaluation_job`` request (formats.md §2.1) run
locally as an ``llm_judge_pointwise`` run. A BYOI job with two built-in metrics and one custom
metric, scored by a scripted judge: every row scored for the three metrics, the Bedrock output
layout written, status ``Completed``; ``s3://`` data without ``--data``, a malformed job and
the offline stand-in warning; ``--resume`` with the job file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.results.bedrock import read_bedrock_output
from assay.tasks.pointwise_judge.data import PointwiseDataset
from tests.conftest import write_jsonl

DATA = "bedrock_model_eval_byoi_dataset.jsonl"
COMPREHENSIVENESS = "bedrock_custom_metric_comprehensiveness.json"
EVALUATOR = "anthropic.claude-3-5-sonnet-20240620-v1:0"
METRICS = ("Builtin.Correctness", "Builtin.Helpfulness", "comprehensiveness")
#: scripted ratings -> the normalised score they give
RATINGS = {"Builtin.Correctness": ("3", 1.0), "Builtin.Helpfulness": ("5", 2 / 3),
           "comprehensiveness": ("3", 2 / 9)}


def _job(samples: Path, *, source: dict | None = None, **automated) -> dict:
    definition = json.loads((samples / COMPREHENSIVENESS).read_text(encoding="utf-8"))
    auto = {
        "datasetMetricConfigs": [{
            "taskType": "General",
            "dataset": {"name": "byoi-ds",
                        "datasetLocation": {"s3Uri": "s3://my-bucket/data/byoi.jsonl"}},
            "metricNames": list(METRICS)}],
        "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": EVALUATOR}]},
        "customMetricConfig": {
            "customMetrics": [definition],
            "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier":
                                                                  EVALUATOR}]}},
    } | automated
    return {
        "jobName": "byoi-eval-1",
        "roleArn": "arn:aws:iam::123456789012:role/service-role/Bedrock-Eval",
        "applicationType": "ModelEvaluation",
        "inferenceConfig": {"models": [source or {"precomputedInferenceSource": {
            "inferenceSourceIdentifier": "third-party-model"}}]},
        "outputDataConfig": {"s3Uri": "s3://my-bucket/eval-output/"},
        "evaluationConfig": {"automated": auto},
    }


def _write(tmp: Path, job: dict | str) -> Path:
    p = tmp / "job.json"
    p.write_text(job if isinstance(job, str) else json.dumps(job, indent=2), encoding="utf-8")
    return p


def _script(tmp: Path, data: Path) -> Path:
    ids = [s.id for s in PointwiseDataset(data).iter_samples()]
    lines = [{"id": f"{i}:{name}", "text": json.dumps({"reasoning": f"{name} ok",
                                                       "rating": rating})}
             for i in ids for name, (rating, _) in RATINGS.items()]
    return write_jsonl(tmp / "script.jsonl", lines)


def _run(tmp: Path, job: Path, *args: str) -> int:
    return main(["run", str(job), "--output-dir", str(tmp / "out"), "--quiet", *args])


def test_job_file_runs_with_a_scripted_judge(tmp_path, samples, capsys):
    data = samples / DATA
    job = _write(tmp_path, _job(samples))
    script = _script(tmp_path, data)
    judge = ("--judge", "mock/script", "-J", f"file={script}")
    assert _run(tmp_path, job, "--data", str(data), *judge) == 0
    err = capsys.readouterr().err
    assert "bedrock job byoi-eval-1: Completed" in err
    assert "stand-in" not in err                     # --judge given, BYOI: nothing replaced
    run = tmp_path / "out" / "byoi-eval-1"            # run.name = jobName
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    assert len(recs) == 30
    for r in recs:
        assert {k: r["metrics"][k] for k in METRICS} == pytest.approx(
            {k: v for k, (_, v) in RATINGS.items()}, abs=1e-12)
    m = json.loads((run / "metrics.json").read_text())
    assert list(m["metrics"]) == list(METRICS)
    assert m["n_examples"] == 30 and m["n_unparseable"] == 0 and m["n_errors"] == 0
    assert m["model"] == "third-party-model"
    # the Bedrock output layout, read back with every score equal
    out = run / m["bedrock_output"]
    parts = out.relative_to(run).parts
    assert parts[1] == "byoi-eval-1" and parts[3:5] == ("models", "third-party-model")
    assert out.name.endswith("_output.jsonl")
    back = read_bedrock_output(out)
    assert [b.metrics for b in back] == [{k: r["metrics"][k] for k in METRICS} for r in recs]
    manifest = json.loads((run / "run.json").read_text())
    bed = manifest["bedrock"]
    assert bed["status"] == "Completed" and bed["job_name"] == "byoi-eval-1"
    assert bed["model"] == {"bedrock": "third-party-model", "kind": "precomputed",
                            "assay": "byoi", "overridden": False}
    assert bed["judge"]["bedrock"] == [EVALUATOR] and bed["judge"]["assay"] == "mock/script"
    assert bed["dataset"]["uri"] == "s3://my-bucket/data/byoi.jsonl"
    assert bed["metrics"] == list(METRICS)
    assert manifest["recipe"]["evaluation"]["task"] == "llm_judge_pointwise"
    # --resume with the job file: the same run, nothing asked again
    assert _run(tmp_path, job, "--data", str(data), *judge, "--resume") == 0
    assert "bedrock job byoi-eval-1: Completed" in capsys.readouterr().err
    # ... and with the run directory (the custom metric is read from the job file again)
    assert main(["run", str(run), "--resume", "--quiet"]) == 0


def test_s3_dataset_without_data_is_one_line_exit_2(tmp_path, samples, capsys):
    job = _write(tmp_path, _job(samples))
    assert _run(tmp_path, job, "--judge", "mock/script") == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("error: ") and "s3://my-bucket/data/byoi.jsonl" in err
    assert "datasetLocation.s3Uri" in err and "--data <local path>" in err
    assert not (tmp_path / "out").exists()


def test_malformed_job_names_the_json_path(tmp_path, samples, capsys):
    doc = _job(samples)
    doc["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]["metricNames"] = \
        "Builtin.Correctness"
    job = _write(tmp_path, doc)
    assert _run(tmp_path, job, "--data", str(samples / DATA)) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "job.json: field 'evaluationConfig.automated.datasetMetricConfigs[0]" \
           ".metricNames': expected a list" in err
    # a JSON syntax error: the file and line
    job = _write(tmp_path, '{\n "jobName": "x",\n "evaluationConfig": {,}\n}')
    assert _run(tmp_path, job, "--data", str(samples / DATA)) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "job.json:3: malformed JSON" in err
    # a programmatic built-in: named at its JSON path
    doc["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]["metricNames"] = [
        "Builtin.Accuracy", "comprehensiveness"]
    job = _write(tmp_path, doc)
    assert _run(tmp_path, job, "--data", str(samples / DATA)) == 2
    err = capsys.readouterr().err.strip()
    assert "field 'evaluationConfig.automated.datasetMetricConfigs[0].metricNames[0]'" in err


def test_stand_in_warning_once_without_judge(tmp_path, samples, capsys):
    # a bad row stops the run before any model call, after the job's warnings
    rows = [json.loads(x) for x in (samples / DATA).read_text().splitlines()[:2]]
    rows[1]["prompt"] = 7
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    job = _write(tmp_path, _job(samples))
    assert _run(tmp_path, job, "--data", str(data)) == 2
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if "stand-in" in x]
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert EVALUATOR in lines[0] and "local/smollm2" in lines[0] and "--judge" in lines[0]
    assert "field 'prompt'" in err
    # a Bedrock model under test as well: still one line, naming both and both options
    src = {"bedrockModel": {"modelIdentifier": "amazon.nova-lite-v1:0",
                            "inferenceParams": '{"inferenceConfig": {"maxTokens": 64}}'}}
    job = _write(tmp_path, _job(samples, source=src))
    assert _run(tmp_path, job, "--data", str(data)) == 2
    lines = [x for x in capsys.readouterr().err.splitlines() if "stand-in" in x]
    assert len(lines) == 1
    assert "amazon.nova-lite-v1:0" in lines[0] and "-m " in lines[0]
    # overridden: no stand-in, no warning
    assert _run(tmp_path, job, "--data", str(data), "-m", "mock/echo",
                "--judge", "mock/script") == 2
    assert "stand-in" not in capsys.readouterr().err


def test_byoi_identifier_is_checked_and_yaml_recipes_unchanged(tmp_path, samples, capsys):
    src = {"precomputedInferenceSource": {"inferenceSourceIdentifier": "my-app-v1"}}
    job = _write(tmp_path, _job(samples, source=src))
    assert _run(tmp_path, job, "--data", str(samples / DATA), "--judge", "mock/script") == 2
    err = capsys.readouterr().err
    assert "modelResponses[0].modelIdentifier" in err and "my-app-v1" in err
    # a JSON file that is an ordinary recipe still runs as one
    from assay.config.bedrock_recipe import is_job_file
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"run": {"name": "r"}, "evaluation": {"task": "gen_qa"}}))
    assert not is_job_file(recipe) and is_job_file(job)


def test_job_where_nothing_is_scored_is_failed(tmp_path, samples, capsys):
    data = write_jsonl(tmp_path / "d.jsonl",
                       (samples / DATA).read_text().splitlines()[:2])
    empty = write_jsonl(tmp_path / "empty.jsonl", [])   # the judge answers nothing
    job = _write(tmp_path, _job(samples))
    assert _run(tmp_path, job, "--data", str(data), "--judge", "mock/script",
                "-J", f"file={empty}") == 4
    assert "bedrock job byoi-eval-1: Failed" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "out" / "byoi-eval-1" / "run.json").read_text())
    assert manifest["status"] == "failed" and manifest["bedrock"]["status"] == "Failed"
