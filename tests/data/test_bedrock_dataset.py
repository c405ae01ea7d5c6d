from __future__ import annotations

import json
import pickle

import pytest

from assay.data.bedrock import (MAX_PROMPTS, BedrockDataset, BedrockSample, is_bedrock_dataset,
                                is_bedrock_file, load_bedrock_dataset)
from assay.errors import DataError
from tests.conftest import write_jsonl

SAMPLE = "bedrock_model_eval_byoi_dataset.jsonl"
ROW = {"prompt": "p", "referenceResponse": "r", "category": "c",
       "modelResponses": [{"response": "x", "modelIdentifier": "m"}]}


def test_sample_dataset_loads_unchanged(samples):
    path = samples / SAMPLE
    ds = BedrockDataset(path, model_identifier="third-party-model")
    info = ds.validate()
    assert info.rows == 30 and info.warnings == () and info.unknown_fields == ()
    assert info.model_identifiers == ("third-party-model",)
    rows = list(ds.iter_samples())
    assert [r.index for r in rows] == list(range(30))
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for s, obj in zip(rows, raw):
        assert s.prompt == obj["prompt"] and s.reference == obj["referenceResponse"]
        assert s.category == obj["category"] and s.metadata == {"category": obj["category"]}
        assert s.response == obj["modelResponses"][0]["response"]
        assert s.model_identifier == "third-party-model"
        assert s.input_record == {k: v for k, v in obj.items() if k != "modelResponses"}
    assert len({s.id for s in rows}) == 30
    assert is_bedrock_file(path) and is_bedrock_dataset(raw[0])


def test_sample_is_frozen_and_picklable(samples):
    s = next(BedrockDataset(samples / SAMPLE).iter_samples())
    with pytest.raises(AttributeError):
        s.prompt = "x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s)) == s
    g = s.as_sample()
    assert (g.query, g.gold, g.prediction, g.metadata) == (s.prompt, s.reference, s.response,
                                                            {"category": s.category})


def test_optional_fields_and_ids(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [{"prompt": "a"}, {"prompt": "b", "category": "k"}])
    samples, warnings = load_bedrock_dataset(p)
    assert warnings == ()
    a, b = samples
    assert isinstance(a, BedrockSample)
    assert (a.reference, a.category, a.response, a.metadata) == (None, None, None, None)
    assert b.metadata == {"category": "k"}
    assert [s.id for s in load_bedrock_dataset(p)[0]] == [a.id, b.id]


def _responses(n):
    return [{"response": f"r{i}", "modelIdentifier": "m"} for i in range(n)]


@pytest.mark.parametrize("row,field,fragment", [
    ({"modelResponses": []}, "modelResponses", "got 0 responses"),
    ({"modelResponses": _responses(2)}, "modelResponses", "got 2 responses"),
    ({"modelResponses": {"response": "x"}}, "modelResponses", "expected a list"),
    ({"modelResponses": ["x"]}, "modelResponses[0]", "expected an object"),
    ({"modelResponses": [{"modelIdentifier": "m"}]}, "modelResponses[0].response",
     "missing required field"),
    ({"modelResponses": [{"response": "x", "modelIdentifier": 3}]},
     "modelResponses[0].modelIdentifier", "expected a string, got int"),
    ({"modelResponses": [{"response": "x", "modelIdentifier": "other"}]},
     "modelResponses[0].modelIdentifier", "not the job's inferenceSourceIdentifier 'm'"),
    ({"modelResponses": None}, "modelResponses", "missing required field"),
    ({"prompt": None}, "prompt", "missing required field"),
    ({"prompt": ["p"]}, "prompt", "expected a string, got list"),
    ({"prompt": 7}, "prompt", "expected a string, got int"),
    ({"referenceResponse": 1.5}, "referenceResponse", "expected a string, got float"),
    ({"category": {"a": 1}}, "category", "expected a string, got dict"),
])
def test_bad_row_is_one_line_naming_file_line_field(tmp_path, row, field, fragment):
    bad = {k: v for k, v in {**ROW, **row}.items() if v is not None}
    p = write_jsonl(tmp_path / "d.jsonl", [ROW, bad])
    with pytest.raises(DataError) as ei:
        BedrockDataset(p, model_identifier="m").validate()
    msg = str(ei.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}:2: field '{field}': "), msg
    assert fragment in msg, msg
    assert ei.value.line == 2 and ei.value.field == field


def test_missing_prompt_and_malformed_json(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [{"referenceResponse": "r"}])
    with pytest.raises(DataError, match=r":1: field 'prompt': missing required field"):
        BedrockDataset(p).validate()
    p = write_jsonl(tmp_path / "e.jsonl", [{"prompt": "a"}, '{"prompt": '])
    with pytest.raises(DataError, match=r"e\.jsonl:2: malformed JSON"):
        BedrockDataset(p).validate()


def test_byoi_responses_on_some_rows_only(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [ROW, {"prompt": "q"}])
    with pytest.raises(DataError, match=r":2: field 'modelResponses': missing required field"):
        BedrockDataset(p).validate()
    p = write_jsonl(tmp_path / "e.jsonl", [{"prompt": "q"}, ROW])
    with pytest.raises(DataError, match=r":2: field 'modelResponses': unexpected"):
        BedrockDataset(p).validate()


def test_limits_are_warnings_once(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [{"prompt": f"q{i}"} for i in range(MAX_PROMPTS + 1)])
    info = BedrockDataset(p).validate()
    assert info.rows == 1001
    assert len(info.warnings) == 1 and "1,001 prompts" in info.warnings[0]
    assert "at most 1,000" in info.warnings[0] and "\n" not in info.warnings[0]
    samples, warnings = load_bedrock_dataset(p)
    assert len(samples) == 1001 and warnings == info.warnings
    ok = write_jsonl(tmp_path / "e.jsonl", [{"prompt": f"q{i}"} for i in range(MAX_PROMPTS)])
    assert BedrockDataset(ok).validate().warnings == ()


def test_two_model_identifiers_warn_once_without_expected_identifier(tmp_path):
    rows = [dict(ROW, modelResponses=[{"response": "x", "modelIdentifier": f"m{i % 2}"}])
            for i in range(6)]
    info = BedrockDataset(write_jsonl(tmp_path / "d.jsonl", rows)).validate()
    assert info.model_identifiers == ("m0", "m1")
    assert len(info.warnings) == 1 and "one model per BYOI job" in info.warnings[0]


@pytest.mark.parametrize("record,expected", [
    ({"prompt": "p"}, True),
    ({"prompt": "p", "referenceResponse": "r", "category": "c"}, True),
    ({"query": "q", "response": "r"}, False),
    ({"prompt": "p", "response_A": "a", "response_B": "b"}, False),
    ({"conversationTurns": []}, False),
    ({"prompt": "p", "conversationTurns": []}, False),
    ([1], False),
    (None, False),
])
def test_detector(record, expected):
    assert is_bedrock_dataset(record) is expected


def test_detector_on_a_gen_qa_file(samples):
    assert not is_bedrock_file(samples / "nova_gen_qa_text_eval_dataset_with_metadata.jsonl")
