from __future__ import annotations

import json
import math
import pickle

import pytest

from assay.data.bedrock import BedrockDataset
from assay.errors import DataError
from assay.results.bedrock import (BedrockOutputWriter, BedrockScore, EvaluatorDetail,
                                   bedrock_output_path, file_uuid, find_output_files, job_uuid,
                                   read_bedrock_output)

JUDGE = "amazon.nova-pro-v1:0"
LAYOUT = dict(job_name="byoi-eval-1", model_id="third-party-model", dataset="byoi-ds",
              seed="run-fingerprint-abc")


def _scores(i: int) -> list[BedrockScore]:
    d = (EvaluatorDetail(JUDGE, f"explanation {i}"),)
    return [BedrockScore("Builtin.Correctness", (i % 3) / 2, d),
            BedrockScore("Builtin.Helpfulness", None if i % 4 == 0 else 0.6667, d),
            BedrockScore("comprehensiveness", 1.0, (EvaluatorDetail(JUDGE, None),)),
            BedrockScore("Builtin.Harmfulness", 0.0, ())]


def _write(out, samples):
    with BedrockOutputWriter(out, **LAYOUT) as w:
        for i, s in enumerate(samples):
            w.add(s.input_record, _scores(i),
                  [{"response": s.response, "modelIdentifier": s.model_identifier}])
    return w.path


@pytest.fixture
def rows(samples):
    ds = BedrockDataset(samples / "bedrock_model_eval_byoi_dataset.jsonl",
                        model_identifier="third-party-model")
    return list(ds.iter_samples())


def test_layout_path_is_exactly_the_spec(tmp_path):
    p = bedrock_output_path(tmp_path, **LAYOUT)
    ju = job_uuid("byoi-eval-1", "run-fingerprint-abc")
    fu = file_uuid(ju, "third-party-model", "General", "byoi-ds")
    assert p == (tmp_path / "byoi-eval-1" / ju / "models" / "third-party-model" / "taskTypes"
                 / "General" / "datasets" / "byoi-ds" / f"{fu}_output.jsonl")
    rel = p.relative_to(tmp_path).parts
    assert rel[2:8:2] == ("models", "taskTypes", "datasets") and rel[-1].endswith("_output.jsonl")
    assert bedrock_output_path(tmp_path, **LAYOUT) == p                      # deterministic
    assert bedrock_output_path(tmp_path, **{**LAYOUT, "seed": "other"}) != p
    arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
    q = bedrock_output_path(tmp_path, **{**LAYOUT, "model_id": arn})
    assert q.parts[-6] == "arn:aws:bedrock:us-east-1::foundation-model_amazon.nova-lite-v1:0"


def test_lines_are_exactly_the_spec_shape(tmp_path, rows):
    path = _write(tmp_path, rows[:2])
    first = path.read_text(encoding="utf-8").splitlines()[0]
    obj = json.loads(first)
    assert list(obj) == ["automatedEvaluationResult", "inputRecord", "modelResponses"]
    assert list(obj["automatedEvaluationResult"]) == ["scores"]
    score = obj["automatedEvaluationResult"]["scores"][1]
    assert list(score) == ["metricName", "result", "evaluatorDetails"]
    assert score["result"] is None and '"result": null' in first
    assert list(score["evaluatorDetails"][0]) == ["modelIdentifier", "explanation"]
    assert list(obj["inputRecord"]) == ["prompt", "referenceResponse", "category"]
    assert obj["modelResponses"] == [{"modelIdentifier": "third-party-model",
                                      "response": rows[0].response}]
    assert list(obj["modelResponses"][0]) == ["modelIdentifier", "response"]


def test_round_trip_every_score_and_byte_identical_rewrite(tmp_path, rows):
    path = _write(tmp_path / "a", rows)
    data = path.read_bytes()
    back = read_bedrock_output(tmp_path / "a")
    assert len(back) == 30 and [r.index for r in back] == list(range(30))
    for i, (rec, s) in enumerate(zip(back, rows)):
        assert rec.scores == tuple(_scores(i))
        assert rec.input_record == s.input_record and rec.prompt == s.prompt
        assert rec.category == s.category and rec.response == s.response
        assert (rec.job_name, rec.model_id, rec.task_type, rec.dataset) == (
            "byoi-eval-1", "third-party-model", "General", "byoi-ds")
        assert rec.job_uuid == job_uuid("byoi-eval-1", "run-fingerprint-abc")
    assert sum(r.result is None for rec in back for r in rec.scores) > 0
    # rewriting from what was read gives the same bytes; a rerun the same path
    assert _write(tmp_path / "a", rows).read_bytes() == data
    with BedrockOutputWriter(tmp_path / "b", **LAYOUT) as w:
        for rec in back:
            w.add(rec.input_record, rec.scores, rec.model_responses)
    assert w.path.relative_to(tmp_path / "b") == path.relative_to(tmp_path / "a")
    assert w.path.read_bytes() == data
    assert read_bedrock_output(path) == back                                  # a single file
    assert pickle.loads(pickle.dumps(back[0])) == back[0]


def test_nan_result_is_written_as_null(tmp_path):
    with BedrockOutputWriter(tmp_path, **LAYOUT) as w:
        w.add({"prompt": "p"}, [BedrockScore("m", math.nan)])
    (rec,) = read_bedrock_output(w.path)
    assert rec.metrics == {"m": None} and rec.model_responses == ()


def test_example_record_view(tmp_path, rows):
    _write(tmp_path, rows[:5])
    rec = read_bedrock_output(tmp_path)[0]
    ex = rec.to_example_record()
    assert ex.query == rows[0].prompt and ex.gold == rows[0].reference
    assert ex.metadata == {"category": rows[0].category} and ex.prediction == rows[0].response
    assert math.isnan(ex.metrics["Builtin.Helpfulness"]) and ex.metrics["Builtin.Correctness"] == 0


def test_reads_a_downloaded_bedrock_tree(tmp_path):
    """Bedrock's real layout repeats the job name and leaves a permission-check object; BYOI
    responses may sit inside inputRecord and programmatic metrics use bare names."""
    d = (tmp_path / "out" / "job" / "job" / "abc123" / "models" / "my-app" / "taskTypes"
         / "General" / "datasets" / "ds")
    d.mkdir(parents=True)
    (tmp_path / "out" / "job" / "amazon-bedrock-evaluations-permission-check").write_text("")
    line = {"automatedEvaluationResult": {"scores": [
        {"metricName": "Accuracy", "result": 1},
        {"metricName": "Builtin.Helpfulness", "result": 0.5,
         "evaluatorDetails": [{"modelIdentifier": JUDGE, "explanation": "ok"}]}]},
        "inputRecord": {"prompt": "p", "modelResponses": [{"response": "r",
                                                           "modelIdentifier": "my-app"}]}}
    (d / "f00d_output.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert find_output_files(tmp_path / "out") == [d / "f00d_output.jsonl"]
    (rec,) = read_bedrock_output(tmp_path / "out")
    assert rec.metrics == {"Accuracy": 1.0, "Builtin.Helpfulness": 0.5}
    assert rec.response == "r" and rec.model_id == "my-app" and rec.job_uuid == "abc123"
    assert rec.scores[1].evaluator_details == (EvaluatorDetail(JUDGE, "ok"),)


_GOOD = {"automatedEvaluationResult": {"scores": [{"metricName": "m", "result": 0.5}]},
         "inputRecord": {"prompt": "p"}}


@pytest.mark.parametrize("line,field,fragment", [
    ({"inputRecord": {}}, "automatedEvaluationResult", "missing required field"),
    ({**_GOOD, "automatedEvaluationResult": {"scores": {}}},
     "automatedEvaluationResult.scores", "expected a list"),
    ({**_GOOD, "automatedEvaluationResult": {"scores": [{"result": 1}]}},
     "automatedEvaluationResult.scores[0].metricName", "expected a metric name"),
    ({**_GOOD, "automatedEvaluationResult": {"scores": [{"metricName": "m", "result": "1"}]}},
     "automatedEvaluationResult.scores[0].result", "expected a number or null, got str"),
    ({**_GOOD, "automatedEvaluationResult": {"scores": [
        {"metricName": "m", "result": 1, "evaluatorDetails": [{"explanation": 3}]}]}},
     "automatedEvaluationResult.scores[0].evaluatorDetails[0].explanation", "got int"),
    ({**_GOOD, "inputRecord": "p"}, "inputRecord", "expected an object, got str"),
    ({**_GOOD, "modelResponses": [1]}, "modelResponses", "expected a list"),
])
def test_malformed_output_is_one_line_naming_file_line_field(tmp_path, line, field, fragment):
    p = tmp_path / "x_output.jsonl"
    p.write_text(json.dumps(_GOOD) + "\n" + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as ei:
        read_bedrock_output(p)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(f"{p}:2: field '{field}': "), msg
    assert fragment in msg


def test_empty_folder_and_missing_path(tmp_path):
    with pytest.raises(DataError, match="no \\*_output.jsonl files"):
        read_bedrock_output(tmp_path)
    with pytest.raises(DataError, match="not found"):
        read_bedrock_output(tmp_path / "nope")


@pytest.mark.parametrize("module", ["assay.data.bedrock", "assay.data.bedrock_job",
                                    "assay.results.bedrock"])
def test_all_matches_the_public_names(module):
    import importlib
    import inspect

    mod = importlib.import_module(module)
    public = {n for n, v in vars(mod).items() if not n.startswith("_")
              and (inspect.isfunction(v) or inspect.isclass(v))
              and getattr(v, "__module__", None) == module}
    assert public <= set(mod.__all__) and all(hasattr(mod, n) for n in mod.__all__)
