from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import pytest

from assay.data.bedrock_job import (BEDROCK_MODEL_MAP, BYOI_MODEL, JOB_COMPLETED, JOB_FAILED,
                                    JOB_IN_PROGRESS, JOB_STATUSES, JOB_STOPPED, BedrockJob,
                                    InferenceModel, bedrock_job_status, is_bedrock_job,
                                    load_bedrock_job, map_bedrock_model, parse_bedrock_job,
                                    resolve_dataset_path)
from assay.errors import ConfigError

JUDGE = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def _job(custom_definition: dict) -> dict:
    """A create_evaluation_job request written from formats.md §2.1: a BYOI source, two
    built-in metrics and one custom metric."""
    return {
        "jobName": "byoi-eval-1",
        "roleArn": "arn:aws:iam::123456789012:role/Bedrock-Eval",
        "applicationType": "ModelEvaluation",
        "inferenceConfig": {"models": [
            {"precomputedInferenceSource": {"inferenceSourceIdentifier": "third-party-model"}}]},
        "outputDataConfig": {"s3Uri": "s3://bucket/prefix/"},
        "evaluationConfig": {"automated": {
            "datasetMetricConfigs": [{
                "taskType": "General",
                "dataset": {"name": "byoi-ds", "datasetLocation":
                            {"s3Uri": "s3://bucket/data/bedrock_model_eval_byoi_dataset.jsonl"}},
                "metricNames": ["Builtin.Correctness", "Builtin.Helpfulness",
                                custom_definition["name"]]}],
            "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": JUDGE}]},
            "customMetricConfig": {
                "customMetrics": [{"customMetricDefinition": custom_definition}],
                "evaluatorModelConfig": {"bedrockEvaluatorModels": [
                    {"modelIdentifier": "us.amazon.nova-pro-v1:0"}]}},
        }},
    }


@pytest.fixture
def custom(samples) -> dict:
    text = (samples / "bedrock_custom_metric_comprehensiveness.json").read_text(encoding="utf-8")
    return json.loads(text)["customMetricDefinition"]


@pytest.fixture
def job_file(tmp_path, custom) -> Path:
    p = tmp_path / "job.json"
    p.write_text(json.dumps(_job(custom), indent=2), encoding="utf-8")
    return p


def test_job_from_spec_parses(job_file, custom):
    job = load_bedrock_job(job_file)
    assert isinstance(job, BedrockJob)
    assert job.job_name == "byoi-eval-1" and job.application_type == "ModelEvaluation"
    assert job.role_arn.endswith("role/Bedrock-Eval") and job.output_uri == "s3://bucket/prefix/"
    (ds,) = job.datasets
    assert (ds.task_type, ds.dataset_name) == ("General", "byoi-ds")
    assert ds.dataset_uri.startswith("s3://")
    assert job.metric_names == ("Builtin.Correctness", "Builtin.Helpfulness", "comprehensiveness")
    assert job.custom_metric_names == ("comprehensiveness",)
    assert job.custom_metrics.definitions == (custom,)
    assert job.evaluator_models == (JUDGE,)
    assert job.models == (InferenceModel("precomputed", "third-party-model"),)
    assert job.is_byoi and job.warnings == ()
    assert job.model_name() == BYOI_MODEL and job.model_name("mock/echo") == "mock/echo"
    assert job.judge_name() == "local/smollm2" and job.judge_name("openai/x") == "openai/x"
    assert job.judge_name(custom=True) == "local/smollm2"
    assert is_bedrock_job(json.loads(job_file.read_text()))
    assert pickle.loads(pickle.dumps(job)) == job
    with pytest.raises(AttributeError):
        job.job_name = "x"  # type: ignore[misc]


def test_console_form_metric_name_is_accepted(tmp_path, custom):
    console = {"metricName": custom["name"], **{k: v for k, v in custom.items() if k != "name"}}
    doc = _job(custom)
    doc["evaluationConfig"]["automated"]["customMetricConfig"]["customMetrics"] = [
        {"customMetricDefinition": console}]
    assert parse_bedrock_job(doc).custom_metric_names == ("comprehensiveness",)


def test_s3_dataset_needs_a_local_override(job_file, tmp_path):
    job = load_bedrock_job(job_file)
    uri = job.datasets[0].dataset_uri
    with pytest.raises(ConfigError) as ei:
        resolve_dataset_path(uri, None, source=job_file,
                             field="evaluationConfig.automated.datasetMetricConfigs[0]"
                                   ".dataset.datasetLocation.s3Uri")
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(f"{job_file}: field 'evaluationConfig.")
    assert "is on S3" in msg and "pass --data <local path>" in msg
    local = tmp_path / "d.jsonl"
    assert resolve_dataset_path(uri, local) == local
    assert resolve_dataset_path(str(local)) == local
    assert resolve_dataset_path(f"file://{local}") == local
    with pytest.raises(ConfigError, match="pass --data"):
        resolve_dataset_path(None)
    with pytest.raises(ConfigError, match="unsupported dataset URI"):
        resolve_dataset_path("https://example.com/x.jsonl")


def test_model_mapping():
    assert map_bedrock_model("amazon.nova-lite-v1:0") == "local/smollm2"
    assert map_bedrock_model("us.anthropic.claude-3-5-sonnet-20241022-v2:0") == "local/smollm2"
    arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"
    assert map_bedrock_model(arn) == "local/smollm2"
    assert map_bedrock_model(InferenceModel("precomputed", "my-app")) == "byoi"
    assert map_bedrock_model("anything", override="openai/m") == "openai/m"
    assert all("/" in v for v in BEDROCK_MODEL_MAP.values())
    with pytest.raises(ConfigError, match=r"no local equivalent.*pass -m/--model"):
        map_bedrock_model("cohere.command-r-v1:0")
    with pytest.raises(ConfigError, match=r"pass --judge <model>"):
        map_bedrock_model(InferenceModel("bedrock", "cohere.command-r-v1:0"), role="judge")


def test_status_words():
    assert JOB_STATUSES == ("InProgress", "Completed", "Failed", "Stopped")
    assert bedrock_job_status("running") == JOB_IN_PROGRESS
    assert bedrock_job_status("succeeded") == JOB_COMPLETED
    assert bedrock_job_status("failed") == JOB_FAILED
    assert bedrock_job_status("aborted") == JOB_FAILED
    assert bedrock_job_status("stopped") == JOB_STOPPED


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DEL:
        del node[path[-1]]
    else:
        node[path[-1]] = value


_DEL = object()
_AUTO = ("evaluationConfig", "automated")
_DMC = _AUTO + ("datasetMetricConfigs", 0)


@pytest.mark.parametrize("path,value,field,fragment", [
    (("jobName",), "Bad_Name", "jobName", "not a Bedrock job name"),
    (("jobName",), _DEL, "jobName", "missing required field"),
    (("applicationType",), "RagEvaluation", "inferenceConfig.models",
     "inferenceConfig.models is for model evaluation jobs"),
    (("evaluationConfig", "automated"), _DEL, "evaluationConfig.automated", "missing"),
    (_DMC + ("metricNames",), [], "evaluationConfig.automated.datasetMetricConfigs[0]"
     ".metricNames", "expected 1 to 25 items, got 0"),
    (_DMC + ("metricNames",), ["Builtin.Correctness", "nope", "comprehensiveness"],
     "evaluationConfig.automated.datasetMetricConfigs[0].metricNames[1]",
     "neither a Builtin.* metric"),
    (_DMC + ("metricNames",), ["Builtin.Correctness"],
     "evaluationConfig.automated.customMetricConfig.customMetrics[0]", "not listed"),
    (_DMC + ("dataset", "name"), 5, "evaluationConfig.automated.datasetMetricConfigs[0]"
     ".dataset.name", "expected a string, got int"),
    (_DMC + ("taskType",), "x" * 64, "evaluationConfig.automated.datasetMetricConfigs[0]"
     ".taskType", "at most 63 characters"),
    (_AUTO + ("evaluatorModelConfig", "bedrockEvaluatorModels", 0), {"id": "x"},
     "evaluationConfig.automated.evaluatorModelConfig.bedrockEvaluatorModels[0]"
     ".modelIdentifier", "missing required field"),
    (_AUTO + ("customMetricConfig", "customMetrics", 0, "customMetricDefinition"), "x",
     "evaluationConfig.automated.customMetricConfig.customMetrics[0].customMetricDefinition",
     "expected an object, got str"),
    (("inferenceConfig", "models", 0), {"bedrockModel": {}, "precomputedInferenceSource": {}},
     "inferenceConfig.models[0]", "exactly one of"),
    (("inferenceConfig", "models", 0),
     {"bedrockModel": {"modelIdentifier": "m", "inferenceParams": "{bad"}},
     "inferenceConfig.models[0].bedrockModel.inferenceParams", "expected a JSON object"),
    (("inferenceConfig", "ragConfigs"), [], "inferenceConfig.ragConfigs", "RAG evaluation"),
])
def test_bad_job_names_json_path(tmp_path, custom, path, value, field, fragment):
    doc = copy.deepcopy(_job(custom))
    _set(doc, path, value)
    p = tmp_path / "job.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_bedrock_job(p)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(f"{p}: field '{field}': "), msg
    assert fragment in msg, msg


def test_eleven_custom_metrics_is_an_error(custom):
    doc = _job(custom)
    defs = [dict(custom, name=f"m{i}") for i in range(11)]
    auto = doc["evaluationConfig"]["automated"]
    auto["customMetricConfig"]["customMetrics"] = [{"customMetricDefinition": d} for d in defs]
    auto["datasetMetricConfigs"][0]["metricNames"] = [d["name"] for d in defs]
    with pytest.raises(ConfigError, match="at most 10 custom metrics per job, got 11"):
        parse_bedrock_job(doc)


def test_bedrock_model_with_params_and_two_models_warn(custom):
    doc = _job(custom)
    doc["inferenceConfig"]["models"] = [
        {"bedrockModel": {"modelIdentifier": "amazon.nova-lite-v1:0",
                          "inferenceParams": '{"inferenceConfig": {"maxTokens": 512}}'}},
        {"bedrockModel": {"modelIdentifier": "amazon.nova-micro-v1:0"}}]
    job = parse_bedrock_job(doc, source="job.json")
    assert job.models[0].inference_params == {"inferenceConfig": {"maxTokens": 512}}
    assert not job.is_byoi and job.model_name() == "local/smollm2"
    assert len(job.warnings) == 1 and "one model per automated job" in job.warnings[0]


def test_malformed_json_names_line(tmp_path):
    p = tmp_path / "job.json"
    p.write_text('{\n  "jobName": "a",\n  oops\n}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"job\.json:3: malformed JSON"):
        load_bedrock_job(p)
    with pytest.raises(ConfigError, match="job file not found"):
        load_bedrock_job(tmp_path / "missing.json")


def test_judge_without_evaluator_asks_for_judge(custom):
    doc = _job(custom)
    del doc["evaluationConfig"]["automated"]["evaluatorModelConfig"]
    job = parse_bedrock_job(doc)
    assert job.evaluator_models == ()
    with pytest.raises(ConfigError, match="pass --judge"):
        job.judge_name()
    assert job.judge_name(custom=True) == "local/smollm2"


def test_job_dataset_path(job_file, tmp_path):
    job = load_bedrock_job(job_file)
    with pytest.raises(ConfigError) as ei:
        job.dataset_path()
    assert str(ei.value).startswith(
        f"{job_file}: field 'evaluationConfig.automated.datasetMetricConfigs[0].dataset"
        ".datasetLocation.s3Uri': dataset 's3://")
    assert job.dataset_path(tmp_path / "d.jsonl") == tmp_path / "d.jsonl"
