"""Custom metric definitions: the sample loads unchanged; each Bedrock limit gives a one-line
error naming the file and the JSON field."""

import json
import shutil

import pytest

from assay.errors import ConfigError, UserInputError
from assay.judges.pointwise import (JudgeMetric, check_custom_metrics, load_custom_metric,
                                    load_custom_metrics, parse_custom_metric,
                                    parse_custom_metrics, to_definition)
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "bedrock_custom_metric_comprehensiveness.json"


def _definition(**over):
    body = {"name": "clarity", "instructions": "Rate the clarity.\n{{prompt}}\n{{prediction}}",
            "ratingScale": [{"definition": "Clear", "value": {"floatValue": 1}},
                            {"definition": "Unclear", "value": {"floatValue": 0}}]}
    body.update(over)
    return {"customMetricDefinition": body}


def _write(tmp_path, doc, name="comprehensiveness.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _error(tmp_path, doc) -> ConfigError:
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as info:
        load_custom_metrics(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: field '")
    assert isinstance(info.value, UserInputError)
    return info.value


def test_the_sample_loads_unchanged(tmp_path):
    copy = shutil.copy(SAMPLE, tmp_path / "comprehensiveness.json")
    metric = load_custom_metric(copy)
    assert metric.name == "comprehensiveness" and metric.source == "custom"
    assert metric.needs == ("prompt", "prediction") and not metric.lower_is_better
    assert [(i.definition, i.value) for i in metric.scale] == [
        ("Very comprehensive", 10.0), ("Mildly comprehensive", 3.0),
        ("Not at all comprehensive", 1.0)]
    assert metric.labels == ("10", "3", "1")
    original = json.loads(SAMPLE.read_text(encoding="utf-8"))["customMetricDefinition"]
    assert metric.instructions == original["instructions"]
    assert SAMPLE.read_bytes() == (tmp_path / "comprehensiveness.json").read_bytes()


def test_console_form_metric_name_and_bare_definition():
    body = _definition()["customMetricDefinition"]
    console = {"metricName": body["name"], **{k: v for k, v in body.items() if k != "name"}}
    assert parse_custom_metric({"customMetricDefinition": console}).name == "clarity"
    assert parse_custom_metric(console) == parse_custom_metric(body)


def test_round_trip_through_to_definition():
    for doc in (_definition(), _definition(ratingScale=[
            {"definition": "Yes", "value": {"stringValue": "yes"}},
            {"definition": "No", "value": {"stringValue": "no"}}])):
        metric = parse_custom_metric(doc)
        assert parse_custom_metric(json.loads(json.dumps(to_definition(metric)))) == metric


def test_no_scale_is_allowed():
    metric = parse_custom_metric(_definition(ratingScale=None))
    assert metric.scale == () and metric.scale_kind is None


@pytest.mark.parametrize("change,field,words", [
    (dict(ratingScale=[{"definition": "Good", "value": {"floatValue": 1}},
                       {"definition": "Okay", "value": {"floatValue": 0.5}},
                       {"definition": "Bad", "value": {"stringValue": "bad"}}]),
     "ratingScale[2].value", "never mixed"),
    (dict(instructions="Judge {{prompt}} and {{answer}}: {{prediction}}"),
     "instructions", "'{{answer}}'; allowed: {{prompt}}, {{prediction}}, {{ground_truth}}"),
    (dict(instructions="{{prediction}}" + "x" * (5001 - len("{{prediction}}"))),
     "instructions", "5,001 characters; Bedrock allows at most 5,000"),
    (dict(name="m" * 64), "name", "64 characters; Bedrock allows 1 to 63"),
    (dict(name="my metric"), "name", "' ' is not allowed"),
    (dict(ratingScale=[{"definition": f"Level {i}", "value": {"floatValue": i}}
                       for i in range(11)]), "ratingScale", "11 items; Bedrock allows 1 to 10"),
    (dict(ratingScale=[]), "ratingScale", "0 items"),
    (dict(instructions="Rate {{context}} and {{prediction}}"), "instructions",
     "RAG-only"),
    (dict(instructions="Rate the tone of {{prompt}}"), "instructions", "add {{prediction}}"),
    (dict(ratingScale=[{"definition": "Good", "value": {"floatValue": True}}]),
     "ratingScale[0].value", "finite number"),
    (dict(ratingScale=[{"definition": "Good", "value": {"floatValue": 1}},
                       {"definition": "Also good", "value": {"floatValue": 1.0}}]),
     "ratingScale[1].value", "duplicate value '1'"),
    (dict(ratingScale=[{"definition": "x" * 101, "value": {"floatValue": 1}}]),
     "ratingScale[0].definition", "101 characters"),
    (dict(ratingscale=[]), "ratingscale", "did you mean 'ratingScale'"),
])
def test_each_limit_names_its_field(tmp_path, change, field, words):
    error = _error(tmp_path, _definition(**change))
    assert error.field == field
    assert words in str(error)


def test_exactly_the_limits_are_accepted(tmp_path):
    parse_custom_metric(_definition(name="a" * 63))
    parse_custom_metric(_definition(name="A-b_c.9"))
    parse_custom_metric(_definition(
        instructions="{{prediction}}" + "x" * (5000 - len("{{prediction}}"))))
    parse_custom_metric(_definition(ratingScale=[
        {"definition": f"Level {i}", "value": {"floatValue": i}} for i in range(10)]))
    parse_custom_metric(_definition(instructions="Compare {{ prediction }} to {{ground_truth}}"))


def test_rag_variables_when_asked_for():
    from assay.judges.pointwise import RAG_VARIABLES
    metric = parse_custom_metric(_definition(instructions="{{context}} {{reference_contexts}}"),
                                 variables=RAG_VARIABLES)
    assert metric.needs == ("context", "reference_contexts")


def test_eleven_metrics_in_a_run(tmp_path):
    docs = [_definition(name=f"m{i}") for i in range(11)]
    path = _write(tmp_path, docs, "metrics.json")
    with pytest.raises(ConfigError) as info:
        load_custom_metrics(path)
    assert "11 custom metrics; Bedrock allows at most 10 per run" in str(info.value)
    assert "\n" not in str(info.value)
    assert len(load_custom_metrics(_write(tmp_path, docs[:10], "ten.json"))) == 10
    wrapped = _write(tmp_path, {"customMetrics": docs}, "config.json")
    with pytest.raises(ConfigError) as info:
        load_custom_metrics(wrapped)
    assert info.value.field == "customMetrics" and "at most 10 per run" in str(info.value)
    metrics = [parse_custom_metric(d) for d in docs]
    with pytest.raises(ConfigError, match="at most 10"):
        check_custom_metrics(metrics)
    with pytest.raises(ConfigError, match="used twice"):
        check_custom_metrics(metrics[:2] + metrics[:1])


def test_list_field_names_carry_the_position(tmp_path):
    docs = [_definition(), _definition(name="bad name")]
    path = _write(tmp_path, {"customMetrics": docs}, "config.json")
    with pytest.raises(ConfigError) as info:
        load_custom_metrics(path)
    assert info.value.field == "customMetrics[1].name"


def test_sagemaker_json_string_and_bad_json(tmp_path):
    metrics = parse_custom_metrics(json.dumps([_definition(), _definition(name="other")]))
    assert [m.name for m in metrics] == ["clarity", "other"]
    with pytest.raises(ConfigError, match="invalid JSON in custom_metrics"):
        parse_custom_metrics("[{")
    path = tmp_path / "broken.json"
    path.write_text('{\n "customMetricDefinition": {,\n}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.json:2: invalid JSON"):
        load_custom_metric(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_custom_metric(tmp_path / "missing.json")


def test_string_scale_is_ordered_best_first():
    metric = parse_custom_metric(_definition(ratingScale=[
        {"definition": "Fully safe", "value": {"stringValue": "safe"}},
        {"definition": "Some risk", "value": {"stringValue": "risky"}},
        {"definition": "Dangerous", "value": {"stringValue": "unsafe"}}]))
    assert isinstance(metric, JudgeMetric) and metric.scale_kind == "string"
    assert [metric.score(i) for i in metric.scale] == [1.0, 0.5, 0.0]
