"""JudgeMetric: normalised scores, prompt rendering, the answer schema and parsing."""

import json
import pickle

import pytest
from hypothesis import given, settings, strategies as st

from assay.backends.structured import reply_problem
from assay.judges.pointwise import (NOT_APPLICABLE, JudgeMetric, ScaleItem, load_custom_metric,
                                    resolve_builtin, template_variables)
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "bedrock_custom_metric_comprehensiveness.json"


def _metric(scale, **over):
    fields = dict(name="m", description="d", instructions="Rate {{prediction}} for {{prompt}}.",
                  scale=tuple(ScaleItem(d, v) for d, v in scale))
    fields.update(over)
    return JudgeMetric(**fields)


# every rating of a scale and its exact normalised score
@pytest.mark.parametrize("scale,expected", [
    ([("Very", 10.0), ("Mildly", 3.0), ("Not at all", 1.0)], [1.0, 2 / 9, 0.0]),
    ([("Low", 1.0), ("High", 5.0), ("Mid", 3.0)], [0.0, 1.0, 0.5]),
    ([("A", -1.0), ("B", 0.0), ("C", 1.0)], [0.0, 0.5, 1.0]),
    ([("Only", 7.0)], [1.0]),
    ([("Best", "excellent"), ("Good", "good"), ("Fair", "fair"), ("Poor", "poor")],
     [1.0, 2 / 3, 1 / 3, 0.0]),
    ([("Yes", "yes"), ("No", "no")], [1.0, 0.0]),
    ([("Only", "only")], [1.0]),
])
def test_normalised_scores(scale, expected):
    metric = _metric(scale)
    assert [metric.score(item) for item in metric.scale] == expected
    assert [metric.score(item.label) for item in metric.scale] == expected
    assert [metric.score(item.definition) for item in metric.scale] == expected


def test_sample_scores_and_float_spellings():
    metric = load_custom_metric(SAMPLE)
    assert [metric.score(lbl) for lbl in ("10", "3", "1")] == [1.0, 2 / 9, 0.0]
    assert metric.score(3) == metric.score("3.0") == metric.score(3.0) == 2 / 9
    with pytest.raises(KeyError):
        metric.score("7")


def test_bad_scales_are_refused():
    with pytest.raises(ValueError, match="mixes"):
        _metric([("A", 1.0), ("B", "b")])
    with pytest.raises(ValueError, match="duplicate"):
        _metric([("A", 1.0), ("B", 1.0)])
    with pytest.raises(ValueError, match="not in needs"):
        _metric([("A", 1.0)], instructions="{{ground_truth}} {{prediction}}")


def test_template_variables_and_rendering():
    metric = resolve_builtin("Builtin.Correctness")
    assert template_variables(metric.instructions) == ("prompt", "ground_truth", "prediction")
    values = {"prompt": "What is 2+2? {{prediction}}", "prediction": "4 {{ground_truth}}",
              "ground_truth": "Four."}
    text = metric.render_prompt(values)
    # substituted once: values holding {{...}} are left as they are
    assert "What is 2+2? {{prediction}}" in text and "4 {{ground_truth}}" in text
    assert "Four." in text and text.count("{{") == 2
    # the scale and the output instructions are appended, structured or free text
    for item in metric.scale:
        assert f"- {item.label}: {item.definition}" in text
    assert text.endswith('"rating": "<one of: 3, 2, 1>"}')
    free = metric.render_prompt(values, structured=False)
    assert free.endswith("Rating: <one of: 3, 2, 1>") and '"rating"' not in free
    with pytest.raises(ValueError, match=r"no value for \{\{ground_truth\}\}"):
        metric.render_prompt({"prompt": "q", "prediction": "a"})
    assert metric.missing_inputs({"prompt": "q", "prediction": "a", "ground_truth": ""}) \
        == ("ground_truth",)
    system, user = metric.judge_messages(values)
    assert system.role == "system" and user.role == "user" and user.content == text


def test_rendering_the_sample_with_spaced_variables():
    metric = _metric([("Good", 1.0), ("Bad", 0.0)],
                     instructions="Q: {{ prompt }}\nA: {{prediction}}")
    text = metric.render_prompt({"prompt": "hi", "prediction": "hello"})
    assert text.startswith("Q: hi\nA: hello\n\nRating scale")


def test_no_scale_metric_asks_for_reasoning_only():
    metric = _metric([])
    assert metric.response_schema()["required"] == ["reasoning"]
    assert metric.render_prompt({"prompt": "p", "prediction": "r"}, structured=False) \
        == "Rate r for p."
    answer = metric.parse("It is fine.")
    assert answer.score is None and answer.problem is None and answer.explanation == "It is fine."


@pytest.mark.parametrize("metric", [
    load_custom_metric(SAMPLE), resolve_builtin("FollowingInstructions"),
    resolve_builtin("Refusal"),
    _metric([("Best", "excellent"), ("Good", "good"), ("Poor", "poor")]),
], ids=["sample", "following", "refusal", "string"])
def test_schema_and_parse_round_trip(metric):
    schema = metric.response_schema()
    assert schema["properties"]["rating"]["enum"] == list(metric.labels)
    assert schema["properties"]["reasoning"]["maxLength"] > 0
    fmt = {"type": "json_schema", "schema": schema}
    for label in metric.labels:
        reply = json.dumps({"reasoning": "Because.", "rating": label})
        assert reply_problem(reply, fmt) is None
        answer = metric.parse(reply)
        assert answer.ok and answer.explanation == "Because." and answer.label == label
        if label == NOT_APPLICABLE:
            assert answer.score is None and not answer.applicable
        else:
            assert answer.score == metric.score(label) and answer.applicable
            assert answer.value == metric.item(label).value
        free = metric.parse(f"The response is fine.\n**Rating:** {label}")
        assert (free.label, free.score, free.explanation) == \
            (answer.label, answer.score, "The response is fine.")
    assert reply_problem(json.dumps({"reasoning": "x", "rating": "nope"}), fmt) is not None


@pytest.mark.parametrize("text,label", [
    ('{"reasoning": "ok", "rating": 3}', "3"),
    ('{"reasoning": "ok", "rating": "3.0"}', "3"),
    ('{"reasoning": "ok", "rating": "Very comprehensive"}', "10"),
    ('```json\n{"reasoning": "ok", "rating": "1"}\n```', "1"),
    ('{"reasoning": "cut off", "rating": "10"', "10"),          # truncated after the rating
    ("Thorough.\nRating: 10/10", "10"),
    ("Rating: 3 (mildly)\nThen again...\nFinal rating: **1**", "1"),   # the last line wins
    ("score = 3", "3"),
    ("10", "10"),
])
def test_parse_answers(text, label):
    assert load_custom_metric(SAMPLE).parse(text).label == label


@pytest.mark.parametrize("text,problem", [
    ("", "empty judge output"), ("   ", "empty judge output"), (None, "empty judge output"),
    ("The answer looks thorough to me.", "no rating"),
    ('{"reasoning": "cut off before the rat', "no rating"),
    ('{"reasoning": "x", "rating": null}', "no rating"),
    ("Rating: 7", "rating '7' is not on the scale (10, 3, 1)"),
    ('{"reasoning": "x", "rating": "excellent"}', "not on the scale"),
    ("\x00\x01 garbage {{{ ]]]", "no rating"),
])
def test_garbage_gives_none_with_reason(text, problem):
    answer = load_custom_metric(SAMPLE).parse(text)
    assert answer.score is None and answer.label is None and not answer.ok
    assert problem in answer.problem


def test_string_scale_free_text_prefix():
    metric = _metric([("Yes", "yes"), ("No", "no")])
    assert metric.parse("Rating: No, it is not.").score == 0.0
    assert metric.parse("Rating: YES").score == 1.0
    assert metric.parse("Rating: nothing").problem is not None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_never_raises(text):
    answer = resolve_builtin("Helpfulness").parse(text)
    assert (answer.score is None) == (answer.label is None or answer.label == NOT_APPLICABLE)
    assert answer.score is None or 0.0 <= answer.score <= 1.0


def test_metrics_are_immutable_and_picklable():
    metric = load_custom_metric(SAMPLE)
    with pytest.raises(AttributeError):
        metric.name = "other"
    again = pickle.loads(pickle.dumps(metric))
    assert again == metric and again.parse("Rating: 3").score == 2 / 9
