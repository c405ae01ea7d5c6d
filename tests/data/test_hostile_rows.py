"""Hostile dataset rows: each is one DataError naming the file, the line and the field, found by
validation (before any model call), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.data import GenQADataset
from assay.data import jsonl as jsonl_mod
from assay.data.llm_judge import LLMJudgeDataset
from assay.data.textcheck import find_bad_value, preview
from assay.errors import DataError

GOOD = '{"query": "q", "response": "r"}'
GOOD_JUDGE = '{"prompt": "p", "response_A": "a", "response_B": "b"}'
BIG = "1" * 5000


def _file(tmp_path: Path, *lines: str) -> Path:
    p = tmp_path / "d.jsonl"
    p.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return p


def _error(ds_cls, path: Path) -> DataError:
    with pytest.raises(DataError) as ei:
        ds_cls(path).validate()
    return ei.value


# -- 1. integers past Python's 4,300-digit conversion limit ------------------------------------
@pytest.mark.parametrize("row", [
    '{"query": "q", "response": "r", "extra": %s}' % BIG,
    '{"query": "q", "response": "r", "metadata": {"n": [1, %s]}}' % BIG,
    '{"query": "q", "response": "r", "id": %s}' % BIG,
    '{"query": %s, "response": "r"}' % BIG,
])
def test_huge_integer_gen_qa(tmp_path, row):
    p = _file(tmp_path, GOOD, row)
    err = _error(GenQADataset, p)
    assert (err.file, err.line) == (p, 2)
    assert "too many digits" in str(err) and str(err).startswith(f"{p}:2")
    assert len(str(err)) < 300


@pytest.mark.parametrize("row", [
    '{"prompt": "p", "response_A": "a", "response_B": "b", "label": %s}' % BIG,
    '{"prompt": "p", "response_A": "a", "response_B": "b", "metadata": {"x": %s}}' % BIG,
])
def test_huge_integer_llm_judge(tmp_path, row):
    p = _file(tmp_path, GOOD_JUDGE, GOOD_JUDGE, row)
    err = _error(LLMJudgeDataset, p)
    assert (err.file, err.line) == (p, 3) and "too many digits" in str(err)


def test_huge_integer_inside_a_metadata_string(tmp_path):
    meta = '{"n": %s}' % BIG
    p = _file(tmp_path, json.dumps({"query": "q", "response": "r", "metadata": meta}))
    err = _error(GenQADataset, p)
    assert (err.line, err.field) == (1, "metadata")


# -- 2. metadata given as a JSON string nested 10,000 deep ---------------------------------------
@pytest.mark.parametrize("meta", [
    '{"a":' * 10_000 + "1" + "}" * 10_000,
    '{"a":' + "[" * 10_000 + "]" * 10_000 + "}",
])
def test_deep_metadata_string_is_a_data_error_at_validation(tmp_path, meta):
    p = _file(tmp_path, GOOD, json.dumps({"query": "q", "response": "r", "metadata": meta}))
    err = _error(GenQADataset, p)
    assert (err.file, err.line, err.field) == (p, 2, "metadata")
    assert "nested too deeply" in str(err)


def test_deep_metadata_string_llm_judge(tmp_path):
    meta = '{"a":' * 10_000 + "1" + "}" * 10_000
    p = _file(tmp_path, json.dumps({"prompt": "p", "response_A": "a", "response_B": "b",
                                    "metadata": meta}))
    err = _error(LLMJudgeDataset, p)
    assert (err.line, err.field) == (1, "metadata")


def test_ordinary_metadata_strings_still_parse(tmp_path):
    p = _file(tmp_path, json.dumps({"query": "q", "response": "r", "metadata": '{"d": "easy"}'}),
              json.dumps({"query": "q", "response": "r", "metadata": "{not json"}))
    ds = GenQADataset(p)
    assert ds.validate().rows == 2
    a, b = ds.iter_samples()
    assert a.metadata == {"d": "easy"} and b.metadata is None and b.metadata_raw == "{not json"


# -- 3. lone surrogates anywhere in a row ---------------------------------------------------------
S = "\\ud800"
GEN_SURROGATES = [
    ('{"query": "q", "response": "r", "metadata": {"tags": ["a", "b", "%s"]}}' % S,
     "metadata.tags[2]"),
    ('{"query": "q", "response": "r", "metadata": {"a": {"b": "x%s"}}}' % S, "metadata.a.b"),
    ('{"query": "q", "response": "r", "metadata": {"%s": 1}}' % S, "metadata['\\ud800']"),
    ('{"query": "q", "response": "r", "metadata": {"a": [{"%s": 1}]}}' % S,
     "metadata.a[0]['\\ud800']"),
    ('{"query": "q", "response": "r", "id": "a%s"}' % S, "id"),
    ('{"query": "q", "response": "r%s"}' % S, "response"),
    ('{"query": "q", "response": "r", "system": "%s"}' % S, "system"),
    ('{"query": "q", "response": "r", "prediction": "%s"}' % S, "prediction"),
    ('{"query": "q", "response": "r", "modelResponses": [{"response": "%s"}]}' % S,
     "modelResponses[0].response"),
    ('{"query": "q", "response": "r", "unknown_field": ["%s"]}' % S, "unknown_field[0]"),
    ('{"query": "q", "response": "r", "%s": 1}' % S, "['\\ud800']"),
    ('{"query": "q", "response": "r", "metadata": "{\\"k\\": \\"\\\\ud800\\"}"}', "metadata.k"),
    ('{"query": "q", "response": "r", "metadata": "plain %s"}' % S, "metadata"),
]


@pytest.mark.parametrize("row,field", GEN_SURROGATES)
def test_surrogates_are_found_at_validation(tmp_path, row, field):
    p = _file(tmp_path, GOOD, row)
    err = _error(GenQADataset, p)
    assert (err.file, err.line, err.field) == (p, 2, field), str(err)
    assert "surrogate" in str(err)
    str(err).encode("utf-8")       # the message itself holds no surrogate


@pytest.mark.parametrize("key", ["prompt", "response_A", "response_B", "label", "human_label",
                                 "preference", "id"])
def test_surrogates_in_llm_judge_fields(tmp_path, key):
    row = {"prompt": "p", "response_A": "a", "response_B": "b"}
    line = json.dumps(row)[:-1] + f', "{key}": "A{S}"}}' if key not in row else \
        json.dumps({**row, key: "x"}).replace('"x"', f'"{S}"')
    p = _file(tmp_path, GOOD_JUDGE, line)
    err = _error(LLMJudgeDataset, p)
    assert (err.line, err.field) == (2, key) and "surrogate" in str(err)


def test_surrogate_in_judge_metadata_key(tmp_path):
    p = _file(tmp_path, '{"prompt": "p", "response_A": "a", "response_B": "b", '
                        '"metadata": {"x": {"%s": 1}}}' % S)
    err = _error(LLMJudgeDataset, p)
    assert err.field == "metadata.x['\\ud800']"


# -- NaN / Infinity, huge lines, values echoed in messages ---------------------------------------
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(tmp_path, literal):
    p = _file(tmp_path, '{"query": "q", "response": "r", "metadata": {"score": %s}}' % literal)
    err = _error(GenQADataset, p)
    assert (err.line, err.field) == (1, "metadata.score") and "not a JSON number" in str(err)


def test_line_longer_than_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl_mod, "MAX_LINE_BYTES", 1000)
    p = _file(tmp_path, GOOD, json.dumps({"query": "q" * 5000, "response": "r"}))
    err = _error(GenQADataset, p)
    assert err.line == 2 and "longer than" in str(err)


def test_file_without_newlines_is_not_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl_mod, "MAX_LINE_BYTES", 4096)
    p = tmp_path / "zeros.jsonl"
    p.write_bytes(b"\x00" * 100_000)
    err = _error(GenQADataset, p)
    assert err.line == 1 and "longer than" in str(err)


def test_duplicate_id_message_is_short(tmp_path):
    rid = "x" * 100_000
    p = _file(tmp_path, json.dumps({"query": "q", "response": "r", "id": rid}),
              json.dumps({"query": "q", "response": "r", "id": rid}))
    err = _error(GenQADataset, p)
    assert err.field == "id" and len(str(err)) < 300 and "duplicate id" in str(err)


def test_unknown_label_message_is_short(tmp_path):
    p = _file(tmp_path, json.dumps({"prompt": "p", "response_A": "a", "response_B": "b",
                                    "label": "z" * 100_000}))
    err = _error(LLMJudgeDataset, p)
    assert err.field == "label" and len(str(err)) < 300


def test_preview_escapes_and_cuts():
    assert preview("a\x00b\n") == "'a\\x00b\\n'"
    long = preview("y" * 10_000)
    assert long.startswith("'" + "y" * 40 + "'") and "10,000 characters" in long
    assert "\\ud800" in preview("\ud800")
    assert "digits" in preview(10 ** 5000)


def test_find_bad_value_walks_deep_structures_without_recursion():
    deep: list = []
    node = deep
    for _ in range(50_000):
        child: list = []
        node.append(child)
        node = child
    node.append("\ud800")
    where, reason = find_bad_value({"m": deep})
    assert where.startswith("m[0][0]") and "surrogate" in reason


# decode_checked walks a value only when its text could hold a bad one; its answer must be
# the full walk's answer on every text, bad or good
_DECODE_CASES = [
    '{"a": 1}', '{"a": "caf\\u00e9"}', '{"a": "\\ud83d\\ude00"}', '{"a": "\\ud800"}',
    '{"a": "x\\uDC00y"}', '{"a": "\\\\ud800"}', '{"a": NaN}', '{"a": [1, -Infinity]}',
    '{"a": {"b": Infinity}}', '{"a": 1e400}', '{"a": -1E309}', '{"a": 1e308}',
    '{"a": ' + "1" * 400 + '.0}', '{"a": ' + "1" * 400 + '}', '{"\\ud800": 1}',
    '{"a": 1.5, "b": [{"c": "\\udfff"}]}', '[1, 2.5, "x"]', '"\\ud800"',
]


@pytest.mark.parametrize("text", _DECODE_CASES)
def test_decode_checked_equals_loads_and_walk(text):
    from assay.data.textcheck import decode_checked

    expected = json.loads(text)
    value, bad = decode_checked(text, "p")
    assert json.dumps(value) == json.dumps(expected)
    assert bad == find_bad_value(expected, "p")
    value_b, bad_b = decode_checked(text.encode("utf-8"), "p")
    assert bad_b == bad


def test_decode_checked_raw_surrogate_bytes_and_bom():
    from assay.data.textcheck import decode_checked

    raw = b'{"a": "' + "\ud800".encode("utf-8", "surrogatepass") + b'"}'
    assert decode_checked(raw)[1] == find_bad_value(json.loads(raw))
    assert decode_checked(raw)[1] is not None
    assert decode_checked(b'\xef\xbb\xbf{"a": 1}') == ({"a": 1}, None)
    with pytest.raises(json.JSONDecodeError):
        decode_checked('\ufeff{"a": 1}')
    with pytest.raises(json.JSONDecodeError):
        decode_checked('{"a": 1} x')
