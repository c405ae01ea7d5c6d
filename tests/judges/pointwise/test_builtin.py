"""The built-in judge metrics: names in both spellings, scales, needs, lower-is-better scores."""

import pytest

import assay
from assay.errors import ConfigError
from assay.judges.pointwise import (BUILTIN_METRICS, builtin_names, get_builtin_metrics,
                                    is_builtin_name, resolve_builtin)

NAMES = ["Correctness", "Completeness", "Faithfulness", "Helpfulness", "Coherence", "Relevance",
         "FollowingInstructions", "ProfessionalStyleAndTone", "Harmfulness", "Stereotyping",
         "Refusal"]

# golden: every rating of each built-in scale, in scale order, and its normalised score
SCORES = {
    "Correctness": {"3": 1.0, "2": 0.5, "1": 0.0},
    "Completeness": {"5": 1.0, "4": 0.75, "3": 0.5, "2": 0.25, "1": 0.0},
    "Faithfulness": {"5": 1.0, "4": 0.75, "3": 0.5, "2": 0.25, "1": 0.0},
    "Helpfulness": {"7": 1.0, "6": 5 / 6, "5": 4 / 6, "4": 0.5, "3": 2 / 6, "2": 1 / 6,
                    "1": 0.0},
    "Coherence": {"5": 1.0, "4": 0.75, "3": 0.5, "2": 0.25, "1": 0.0},
    "Relevance": {"5": 1.0, "4": 0.75, "3": 0.5, "2": 0.25, "1": 0.0},
    "FollowingInstructions": {"3": 1.0, "2": 0.5, "1": 0.0, "N/A": None},
    "ProfessionalStyleAndTone": {"5": 1.0, "4": 0.75, "3": 0.5, "2": 0.25, "1": 0.0},
    # lower is better, reported as Bedrock does: 1.0 = harmful / stereotyping / refusal
    "Harmfulness": {"2": 1.0, "1": 0.5, "0": 0.0},
    "Stereotyping": {"2": 1.0, "1": 0.5, "0": 0.0},
    "Refusal": {"1": 1.0, "0": 0.0},
}


def test_the_eleven_builtins():
    assert builtin_names() == tuple("Builtin." + n for n in NAMES)
    assert set(SCORES) == set(NAMES)
    instructions = set()
    for name, metric in BUILTIN_METRICS.items():
        assert metric.source == "builtin" and metric.scale and metric.description
        assert metric.scale_kind == "float"
        assert metric.instructions.rstrip().endswith("[End of response]")   # inputs last
        instructions.add(metric.instructions)
    assert len(instructions) == 11


@pytest.mark.parametrize("name", NAMES)
def test_every_rating_scores_exactly(name):
    metric = resolve_builtin(name)
    assert list(metric.labels) == list(SCORES[name])
    for label, score in SCORES[name].items():
        assert metric.score(label) == score
        answer = metric.parse(f'{{"reasoning": "r", "rating": "{label}"}}')
        assert answer.score == score and answer.ok


def test_lower_is_better_metrics():
    lower = {n for n in NAMES if resolve_builtin(n).lower_is_better}
    assert lower == {"Harmfulness", "Stereotyping", "Refusal"}
    harm = resolve_builtin("Harmfulness")
    assert harm.parse("Rating: 2").score == 1.0        # the most harmful rating scores 1
    assert harm.parse("Rating: 0").score == 0.0        # not harmful scores 0 (the best)


def test_needs_and_ground_truth():
    for name in NAMES:
        metric = resolve_builtin(name)
        needs_gt = name in ("Correctness", "Completeness")
        assert ("{{ground_truth}}" in metric.instructions) == needs_gt
        assert metric.needs == (("prompt", "prediction", "ground_truth") if needs_gt
                                else ("prompt", "prediction"))


@pytest.mark.parametrize("spelling", [
    "Builtin.Correctness", "Correctness", "correctness", "builtin.correctness",
    "BUILTIN.CORRECTNESS", " Correctness "])
def test_name_spellings(spelling):
    assert resolve_builtin(spelling).name == "Builtin.Correctness"
    assert is_builtin_name(spelling)


@pytest.mark.parametrize("spelling,name", [
    ("FollowingInstructions", "Builtin.FollowingInstructions"),
    ("followinginstructions", "Builtin.FollowingInstructions"),
    ("following_instructions", "Builtin.FollowingInstructions"),
    ("professional_style_and_tone", "Builtin.ProfessionalStyleAndTone"),
    ("Builtin.ProfessionalStyleAndTone", "Builtin.ProfessionalStyleAndTone"),
])
def test_sagemaker_names(spelling, name):
    assert resolve_builtin(spelling).name == name


def test_unknown_name_did_you_mean():
    with pytest.raises(ConfigError) as info:
        resolve_builtin("Builtin.Corectness", file="job.json", field="metricNames[0]")
    message = str(info.value)
    assert "\n" not in message and message.startswith("job.json: field 'metricNames[0]'")
    assert "did you mean 'Builtin.Correctness'?" in message
    assert not is_builtin_name("comprehensiveness")
    with pytest.raises(ConfigError, match="unknown built-in judge metric"):
        resolve_builtin("comprehensiveness")


@pytest.mark.parametrize("name,offered", [
    ("Builtin.Accuracy", "gen_qa"), ("Robustness", "assay compare"),
    ("builtin.toxicity", "Builtin.Harmfulness")])
def test_programmatic_metrics_say_what_replaces_them(name, offered):
    with pytest.raises(ConfigError) as info:
        resolve_builtin(name)
    assert "programmatic" in str(info.value) and offered in str(info.value)
    assert "\n" not in str(info.value)


def test_get_builtin_metrics_from_the_top_level():
    listed = assay.get_builtin_metrics()
    assert listed == get_builtin_metrics()
    assert "get_builtin_metrics" in assay.__all__
    assert [m["name"] for m in listed] == ["Builtin." + n for n in NAMES]
    first = listed[0]
    assert set(first) == {"name", "sagemaker_name", "description", "scale", "not_applicable",
                          "needs", "lower_is_better"}
    assert first["needs"] == ["prompt", "prediction", "ground_truth"]
    assert first["scale"][0] == {"label": "3", "definition": "Correct; agrees with reference",
                                 "value": 3.0, "score": 1.0}
    assert {m["sagemaker_name"]: [s["score"] for s in m["scale"]] for m in listed} == {
        n: [s for s in SCORES[n].values() if s is not None] for n in NAMES}
