from __future__ import annotations

import json

import pytest

from assay.data import GenQADataset
from assay.errors import DataError
from tests.conftest import write_jsonl


def test_sample_dataset_streams_with_metadata_verbatim(samples):
    path = samples / "nova_gen_qa_text_eval_dataset_with_metadata.jsonl"
    ds = GenQADataset(path)
    info = ds.validate()
    assert info.rows == 40
    rows = list(ds.iter_samples())
    assert len(rows) == 40 and rows[0].index == 0 and rows[-1].index == 39
    raw_first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert rows[0].metadata_raw == raw_first["metadata"]          # kept verbatim
    assert rows[0].metadata["difficulty"] == "easy"               # parsed for grouping
    assert rows[0].system.startswith("You are a support ticket")


def test_ids_are_stable(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "r"}] * 3)
    a = [s.id for s in GenQADataset(p).iter_samples()]
    b = [s.id for s in GenQADataset(p).iter_samples()]
    assert a == b and len(set(a)) == 3


@pytest.mark.parametrize("line,fragment", [
    ('{"query": "q", "response": ', "malformed JSON"),
    ('{"response": "r"}', "field 'query': missing required field"),
    ('{"query": 3, "response": "r"}', "field 'query': expected a string, got int"),
    ('{"query": "q"}', "field 'response': missing required field"),
    ('{"query": "q", "response": "r", "system": ["x"]}', "field 'system'"),
    ('{"query": "q", "response": "r", "metadata": 5}', "field 'metadata'"),
    ('{"query": "q", "response": "r", "images": [{"data": "http://x"}]}', "field 'images[0].data'"),
    ('[1, 2]', "expected a JSON object"),
])
def test_bad_line_names_file_line_field(tmp_path, line, fragment):
    p = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "b"}, line])
    with pytest.raises(DataError) as ei:
        GenQADataset(p).validate()
    msg = str(ei.value)
    assert msg.startswith(f"{p}:2"), msg
    assert fragment in msg


def test_empty_dataset(tmp_path):
    p = tmp_path / "e.jsonl"
    p.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match="dataset is empty"):
        GenQADataset(p).validate()


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="dataset file not found"):
        GenQADataset(tmp_path / "nope.jsonl").validate()


def test_metadata_object_and_non_json_string(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [
        {"query": "a", "response": "b", "metadata": {"difficulty": "hard"}},
        {"query": "a", "response": "b", "metadata": "free text"},
    ])
    s1, s2 = GenQADataset(p).iter_samples()
    assert s1.metadata == {"difficulty": "hard"} and json.loads(s1.metadata_raw) == s1.metadata
    assert s2.metadata is None and s2.metadata_raw == "free text"


def test_byoi_prediction_fields(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [
        {"query": "a", "response": "b", "prediction": "p"},
        {"query": "a", "response": "b", "modelResponses": [{"response": "m", "modelIdentifier": "x"}]},
    ])
    s1, s2 = GenQADataset(p).iter_samples()
    assert (s1.prediction, s2.prediction) == ("p", "m")


def test_limit(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [{"query": str(i), "response": "r"} for i in range(10)])
    ds = GenQADataset(p, limit=3)
    assert ds.validate().rows == 3 and len(list(ds.iter_samples())) == 3


def test_streaming_does_not_read_whole_file(tmp_path):
    # an error far down the file is found only when reached: iter_samples is lazy
    p = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "r"}] * 5 + ["{bad"])
    it = GenQADataset(p).iter_samples()
    assert next(it).index == 0


@pytest.mark.parametrize("raw,fragment", [
    (b'{"query": "\\ud800", "response": "x"}\n', "field 'query': contains an unpaired"),
    (b"[" * 50000 + b"]" * 50000 + b"\n", "nested too deeply"),
    (b"\xff\xfe garbage\n", "not valid UTF-8"),
])
def test_hostile_lines_are_data_errors(tmp_path, raw, fragment):
    p = tmp_path / "d.jsonl"
    p.write_bytes(raw)
    with pytest.raises(DataError, match=fragment):
        GenQADataset(p).validate()


@pytest.mark.parametrize("limit", [None, 3])
def test_kept_samples_equal_streamed_samples(tmp_path, monkeypatch, limit):
    """A small file's samples come from its validation; a large one's are read again.
    Both give the same samples from any start."""
    path = tmp_path / "d.jsonl"
    rows = [{"query": f"q{i}", "response": f"r{i}", "metadata": json.dumps({"k": i % 2})}
            for i in range(5)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    small = GenQADataset(path, limit=limit)
    small.validate()
    monkeypatch.setattr(GenQADataset, "KEEP_BYTES", 0)
    large = GenQADataset(path, limit=limit)
    large.validate()
    assert small._kept is not None and large._kept is None
    for start in (0, 2):
        assert list(small.iter_samples(start)) == list(large.iter_samples(start))
    assert len(list(small.iter_samples())) == (limit or 5)
