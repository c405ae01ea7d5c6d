"""``json_schema`` adherence and the JSON extraction shared with the classification presets."""

from __future__ import annotations

import json
import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import ConfigError, MissingDependency
from assay.scorers import NOT_FOUND, create_scorer, extract_json

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = {
    "type": "object",
    "required": ["name", "age"],
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": 1}', {"a": 1}),
    ("  [1, 2]\n", [1, 2]),
    ('"just a string"', "just a string"),
    ("42", 42),
    ('```json\n{"a": 1}\n```', {"a": 1}),
    ('Here you go:\n```\n{"a": [1, 2]}\n```\nAnything else?', {"a": [1, 2]}),
    ('~~~json\n{"a": 1}\n~~~', {"a": 1}),
    ('```json\n{"a": 1}', {"a": 1}),  # unterminated fence
    ('Sure! {"a": {"b": "}"}} hope that helps', {"a": {"b": "}"}}),
    ('text {not json} then {"a": 1}', {"a": 1}),
    ("The list is [1, 2, 3].", [1, 2, 3]),
    ("no json here", NOT_FOUND),
    ("", NOT_FOUND),
    ("{", NOT_FOUND),
    ('{"a": 1', NOT_FOUND),
])
def test_extract_json(text, expected) -> None:
    assert extract_json(text) == expected or (expected is NOT_FOUND and extract_json(text) is NOT_FOUND)


def test_extract_json_options() -> None:
    assert extract_json("The list is [1, 2] and {\"a\": 1}", objects_only=True) == {"a": 1}
    assert extract_json("[1]", objects_only=True) is NOT_FOUND
    assert extract_json('```json\n{"a": 1}\n```', strict=True) is NOT_FOUND
    assert extract_json(' {"a": 1} ', strict=True) == {"a": 1}
    assert extract_json(None) is NOT_FOUND and not NOT_FOUND


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="{}[]\":,`~ \na1").map(lambda s: s * 3)))
def test_extract_json_never_raises(text: str) -> None:
    extract_json(text)
    extract_json(text, objects_only=True)
    extract_json(text, strict=True)


def test_extract_json_deep_nesting_and_many_braces() -> None:
    assert extract_json("[" * 50_000) is NOT_FOUND  # RecursionError inside, caught
    assert extract_json('{"a":' * 50_000) is NOT_FOUND
    # At most 512 opening braces are tried as starting points: bounded work, no error.
    assert extract_json("x {" * 100 + '{"a": 1}') == {"a": 1}
    assert extract_json("x {" * 2000 + '{"a": 1}') is NOT_FOUND


@pytest.fixture
def scorer():
    return create_scorer("json_schema", schema=SCHEMA)


@pytest.mark.parametrize(("prediction", "values", "error"), [
    ('{"name": "Ada", "age": 36}', (1, 0, 0), None),
    ('```json\n{"name": "Ada", "age": 36, "tags": ["x"]}\n```', (1, 0, 0), None),
    ('Result: {"name": "Ada", "age": 36} (done)', (1, 0, 0), None),
    ('{"name": "Ada"}', (0, 0, 1), "$: 'age' is a required property"),
    ('{"name": "Ada", "age": -1}', (0, 0, 1), "$.age: -1 is less than the minimum of 0"),
    ('{"name": "Ada", "age": 1, "tags": [1]}', (0, 0, 1), "$.tags[0]: 1 is not of type 'string'"),
    ('{"name": "Ada", "age": 1, "x": 0}', (0, 0, 1),
     "$: Additional properties are not allowed ('x' was unexpected)"),
    ("[1, 2]", (0, 0, 1), "$: [1, 2] is not of type 'object'"),
    ("I cannot answer that.", (0, 1, 0), "no JSON found"),
    ("", (0, 1, 0), "no JSON found"),
])
def test_per_example(scorer, prediction, values, error) -> None:
    out = scorer.score_one(prediction, "")
    assert (out["json_schema"], out["parse_failure"], out["validation_failure"]) == values
    assert out.details["error"] == error


def test_first_error_is_what_jsonschema_validate_raises(scorer) -> None:
    instance = {"name": 3, "age": "x", "extra": True}
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.validate(instance, SCHEMA)
    assert scorer.first_error(instance).endswith(info.value.message)


def test_corpus_counts(scorer) -> None:
    preds = ['{"name": "A", "age": 1}', '{"name": "A"}', "nope", '```{"name": "B", "age": 2}```']
    out = scorer.score(preds)
    assert out["json_schema"] == 0.5
    assert out["json_schema_stderr"] == pytest.approx(math.sqrt(1 / 3) / 2)
    assert (out["parse_failures"], out["validation_failures"], out["n"]) == (1.0, 1.0, 4.0)
    assert scorer.score(preds, ["", "", "", ""]) == out


def test_schema_from_files(tmp_path) -> None:
    p = tmp_path / "schema.json"
    p.write_text(json.dumps(SCHEMA), encoding="utf-8")
    y = tmp_path / "schema.yaml"
    y.write_text("type: object\nrequired: [name]\n", encoding="utf-8")
    assert create_scorer("json_schema", schema=str(p)).score_one('{"name": "A", "age": 1}', "")[
        "json_schema"] == 1.0
    s = create_scorer("json_schema", schema=str(y))
    assert s.score_one('{"name": 1}', "")["json_schema"] == 1.0
    assert s.score_one('{"nom": 1}', "")["json_schema"] == 0.0
    assert s.spec.params["schema"] == str(y)


def test_strict_and_formats() -> None:
    s = create_scorer("json_schema", schema={"type": "object"}, strict=True)
    assert s.score_one('```json\n{}\n```', "")["parse_failure"] == 1.0
    assert s.score_one(" {} ", "")["json_schema"] == 1.0
    fmt = {"type": "string", "format": "email"}
    assert create_scorer("json_schema", schema=fmt).score_one('"nope"', "")["json_schema"] == 1.0
    assert create_scorer("json_schema", schema=fmt, check_formats=True).score_one(
        '"nope"', "")["json_schema"] == 0.0


@pytest.mark.parametrize(("schema", "message"), [
    ({"type": "nonsense"}, "invalid JSON Schema"),
    ("/nonexistent/schema.json", "cannot read schema file"),
    (42, "schema must be a dict or a file path"),
])
def test_bad_schemas(schema, message) -> None:
    with pytest.raises(ConfigError, match=message):
        create_scorer("json_schema", schema=schema)


def test_bad_schema_file_content(tmp_path) -> None:
    p = tmp_path / "bad.json"
    p.write_text("{nope", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid"):
        create_scorer("json_schema", schema=str(p))


def test_missing_jsonschema_is_a_missing_dependency(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(MissingDependency, match=r"pip install 'assay\[schema\]'"):
        create_scorer("json_schema", schema={})
