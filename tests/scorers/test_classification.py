"""Classification presets: label parsing, and numbers equal to scikit-learn's (zero_division=0)."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.scorers import LabelParser, create_scorer
from assay.scorers.classification import classification_report

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _sk(y_true, y_pred, average):
    return sklearn_metrics.precision_recall_fscore_support(
        y_true, y_pred, average=average, zero_division=0)


# --- parsing ---------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "text", "expected"), [
    ({}, "  positive\n", "positive"),
    ({}, "Positive", "Positive"),
    ({"casefold": True}, "Positive", "positive"),
    ({}, "", None),
    ({}, "   ", None),
    ({"labels": ["positive", "negative"]}, "The sentiment is negative.", "negative"),
    ({"labels": ["positive", "negative"]}, "negative, not positive", "negative"),
    ({"labels": ["positive", "negative"]}, "not positive but negative", "positive"),
    ({"labels": ["positive", "negative"], "label_match": "only"}, "not positive but negative", None),
    ({"labels": ["positive", "negative"], "label_match": "only"}, "negative. Really negative!",
     "negative"),
    ({"labels": ["yes", "no"]}, "I know nothing", None),  # whole words only
    ({"labels": ["yes", "no"]}, "No.", None),  # case-sensitive by default
    ({"labels": ["yes", "no"], "casefold": True}, "No.", "no"),
    ({"labels": ["Yes", "No"], "casefold": True}, "no", "No"),  # the declared spelling
    ({"labels": ["neutral", "neutral-positive"]}, "neutral-positive", "neutral-positive"),
    ({"labels": ["neutral", "neutral-positive"]}, "it is neutral-positive", "neutral-positive"),
    ({"labels": ["A", "B", "C"]}, "(B)", "B"),
    ({"labels": ["positive"]}, "", None),
    ({"label_field": "class"}, '{"class": "cat"}', "cat"),
    ({"label_field": "class"}, '```json\n{"class": "cat", "why": "whiskers"}\n```', "cat"),
    ({"label_field": "class"}, 'Answer: {"class": " dog "} because it barks', "dog"),
    ({"label_field": "class"}, '{"kind": "cat"}', None),
    ({"label_field": "class"}, '{"class": null}', None),
    ({"label_field": "class"}, '{"class": ["cat"]}', None),
    ({"label_field": "class"}, '{"class": 3}', "3"),
    ({"label_field": "class"}, '{"class": true}', "true"),
    ({"label_field": "class"}, "cat", None),
    ({"label_field": "class"}, '{"class": "cat"', None),
    ({"label_field": "out.class"}, '{"out": {"class": "cat"}}', "cat"),
    ({"label_field": "class", "labels": ["cat", "dog"]}, '{"class": "a dog, I think"}', "dog"),
    ({"label_field": "class", "casefold": True}, '{"class": "CAT"}', "cat"),
])
def test_prediction_labels(kwargs: dict, text: str, expected: str | None) -> None:
    assert LabelParser(**kwargs).parse(text) == expected


@pytest.mark.parametrize(("kwargs", "text", "expected"), [
    ({"label_field": "class"}, "cat", "cat"),  # plain text ground truth
    ({"label_field": "class"}, '{"class": "cat"}', "cat"),  # JSON ground truth
    ({"label_field": "class"}, '{"other": "cat"}', None),  # JSON without the field
    ({"label_field": "class"}, ' {"class": "cat"} ', "cat"),
    ({}, "  cat ", "cat"),
    ({}, "", None),
    ({"labels": ["cat", "dog"]}, "bird", None),
])
def test_ground_truth_labels(kwargs: dict, text: str, expected: str | None) -> None:
    assert LabelParser(**kwargs).parse(text, ground_truth=True) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1")),
                      st.recursive(st.none() | st.booleans() | st.integers() | st.floats() |
                                   st.text(max_size=5),
                                   lambda c: st.lists(c, max_size=3) |
                                   st.dictionaries(st.sampled_from(["class", "x", "out"]), c,
                                                   max_size=3),
                                   max_leaves=8).map(json.dumps)),
       labels=st.one_of(st.none(), st.lists(st.text(min_size=1, max_size=6).filter(str.strip),
                                            min_size=1, max_size=4, unique=True)),
       field=st.sampled_from([None, "class", "out.class"]),
       casefold=st.booleans(), match=st.sampled_from(["first", "only"]),
       gt=st.booleans())
def test_parsing_never_raises(text, labels, field, casefold, match, gt) -> None:
    try:
        parser = LabelParser(labels, label_field=field, casefold=casefold, label_match=match)
    except Exception as exc:  # only a ConfigError for a label set that collides
        assert type(exc).__name__ == "ConfigError"
        return
    out = parser.parse(text, ground_truth=gt)
    assert out is None or isinstance(out, str)
    if labels is not None and out is not None:
        assert out in parser.labels


@settings(max_examples=200, deadline=None)
@given(preds=st.lists(st.text(max_size=30), min_size=1, max_size=12), data=st.data())
def test_presets_never_raise_on_any_text(preds, data) -> None:
    golds = data.draw(st.lists(st.sampled_from(["a", "b", '{"class": "a"}', "", "c"]),
                               min_size=len(preds), max_size=len(preds)))
    for name, extra in (("accuracy", {}), ("f1", {"n_resamples": 20})):
        s = create_scorer(name, label_field="class", **extra)
        out = s.score(preds, golds)
        assert out["n"] + out["invalid_ground_truth"] == len(preds)
        for p, g in zip(preds, golds):
            s.score_one(p, g)


def test_nested_json_bomb_does_not_raise() -> None:
    p = LabelParser(label_field="class")
    assert p.parse("[" * 100_000) is None
    assert p.parse("{" * 100_000) is None
    assert p.parse('{"class": ' + "[" * 100_000) is None


def test_label_set_collisions_are_config_errors() -> None:
    from assay.errors import ConfigError

    with pytest.raises(ConfigError, match="same label after case-folding"):
        LabelParser(["Yes", "yes"], casefold=True)
    with pytest.raises(ConfigError, match="reserved"):
        LabelParser(["<unparsed>"])
    with pytest.raises(ConfigError, match="list of strings"):
        LabelParser("yes")


# --- numbers vs scikit-learn ------------------------------------------------------

def _random_lists(rng: random.Random, n: int, labels: list[str]) -> tuple[list[str], list[str]]:
    y_true = [rng.choice(labels[:max(1, len(labels) - 1)]) for _ in range(n)]
    y_pred = [rng.choice(labels + ["<unparsed>"]) for _ in range(n)]
    return y_true, y_pred


@pytest.mark.parametrize("seed", range(40))
def test_report_equals_sklearn_on_random_label_lists(seed: int) -> None:
    rng = random.Random(seed)
    labels = ["ant", "bee", "cat", "dog", "eel"][:rng.randint(1, 5)]
    y_true, y_pred = _random_lists(rng, rng.randint(1, 60), labels)
    rep = classification_report(y_true, y_pred)
    assert rep.accuracy == sklearn_metrics.accuracy_score(y_true, y_pred)
    for avg in ("micro", "macro", "weighted"):
        assert rep.average(avg) == pytest.approx(_sk(y_true, y_pred, avg)[:3], rel=1e-12, abs=0)
    p, r, f, s = _sk(y_true, y_pred, None)
    assert list(rep.precision) == pytest.approx(list(p), abs=1e-15)
    assert list(rep.recall) == pytest.approx(list(r), abs=1e-15)
    assert list(rep.f1) == pytest.approx(list(f), abs=1e-15)
    assert list(rep.support) == list(s)
    expected = sklearn_metrics.classification_report(y_true, y_pred, output_dict=True,
                                                     zero_division=0)
    mine = rep.to_dict()
    assert (mine.pop("unparsed"), mine.pop("invalid_ground_truth")) == (0, 0)
    assert mine.keys() == expected.keys()
    for key, value in expected.items():
        assert mine[key] == pytest.approx(value, rel=1e-12)


GOLDEN = [
    # (name, predictions, ground truths, kwargs)
    ("plain_text", ["cat", "dog", "cat", "bird", "dog", ""],
     ["cat", "cat", "cat", "bird", "dog", "dog"], {}),
    ("json_field", ['{"class": "cat"}', '```json\n{"class":"dog"}\n```', "I think cat",
                    'Sure! {"class": "bird", "confidence": 0.9}', '{"label": "dog"}'],
     ["cat", '{"class": "dog"}', "cat", "bird", "dog"], {"label_field": "class"}),
    ("label_set_casefold", ["Positive!", "it's NEGATIVE", "neutral?", "no idea", "negative"],
     ["positive", "negative", "neutral", "neutral", "positive"],
     {"labels": ["positive", "negative", "neutral"], "casefold": True}),
    ("binary", ["yes", "no", "yes", "yes", "no", "no", "yes", "no"],
     ["yes", "yes", "no", "yes", "no", "no", "yes", "yes"], {}),
]


def _labels_via_sklearn(preds, golds, kwargs):
    parser = LabelParser(kwargs.get("labels"), label_field=kwargs.get("label_field"),
                         casefold=kwargs.get("casefold", False))
    y_true, y_pred = [], []
    for p, g in zip(preds, golds):
        gold = parser.parse(g, ground_truth=True)
        if gold is None:
            continue
        pred = parser.parse(p)
        y_true.append(gold)
        y_pred.append("<unparsed>" if pred is None else pred)
    return y_true, y_pred


@pytest.mark.parametrize(("name", "preds", "golds", "kwargs"), GOLDEN, ids=[g[0] for g in GOLDEN])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted"])
def test_presets_equal_sklearn(name, preds, golds, kwargs, average) -> None:
    y_true, y_pred = _labels_via_sklearn(preds, golds, kwargs)
    acc = create_scorer("accuracy", **kwargs).score(preds, golds)
    assert acc["accuracy"] == sklearn_metrics.accuracy_score(y_true, y_pred)
    ref = _sk(y_true, y_pred, average)
    for i, metric in enumerate(("precision", "recall", "f1")):
        out = create_scorer(metric, average=average, **kwargs).score(preds, golds)
        assert out[metric] == pytest.approx(ref[i], rel=1e-12, abs=1e-15)
        assert out["unparsed"] == y_pred.count("<unparsed>")
        assert out["n"] == len(y_true)
    report = sklearn_metrics.classification_report(y_true, y_pred, output_dict=True,
                                                   zero_division=0)
    for label, row in report.items():
        if not isinstance(row, dict) or label.endswith(" avg"):
            continue
        assert out[f"precision[{label}]"] == pytest.approx(row["precision"])
        assert out[f"recall[{label}]"] == pytest.approx(row["recall"])
        assert out[f"f1[{label}]"] == pytest.approx(row["f1-score"])
        assert out[f"support[{label}]"] == row["support"]


def test_expected_values_by_hand() -> None:
    preds = ["cat", "dog", "cat", "bird", "dog", ""]
    golds = ["cat", "cat", "cat", "bird", "dog", "dog"]
    out = create_scorer("f1", average="macro").score(preds, golds)
    # classes <unparsed>, bird, cat, dog: F1 = 0, 1, 0.8, 0.5
    assert out["f1"] == pytest.approx((0 + 1 + 0.8 + 0.5) / 4)
    assert out["unparsed"] == 1.0
    assert out["f1[<unparsed>]"] == 0.0 and out["support[<unparsed>]"] == 0.0
    acc = create_scorer("accuracy").score(preds, golds)
    assert acc["accuracy"] == pytest.approx(4 / 6)
    assert acc["accuracy_stderr"] == pytest.approx(math.sqrt((4 / 6) * (2 / 6) * 6 / 5) / math.sqrt(6))


def test_binary_equals_sklearn_binary() -> None:
    preds = ["yes", "no", "yes", "yes", "no", "no", "yes", "no"]
    golds = ["yes", "yes", "no", "yes", "no", "no", "yes", "yes"]
    for i, metric in enumerate(("precision", "recall", "f1")):
        for pos in ("yes", "no"):
            out = create_scorer(metric, average="binary", pos_label=pos).score(preds, golds)
            ref = sklearn_metrics.precision_recall_fscore_support(
                golds, preds, average="binary", pos_label=pos, zero_division=0)
            assert out[metric] == pytest.approx(ref[i])


def test_binary_with_unparsed_is_the_pos_label_row() -> None:
    preds = ["yes", "maybe", "no", "yes"]
    golds = ["yes", "yes", "no", "no"]
    out = create_scorer("recall", average="binary", pos_label="yes",
                        labels=["yes", "no"]).score(preds, golds)
    ref = sklearn_metrics.precision_recall_fscore_support(
        golds, ["yes", "<unparsed>", "no", "yes"], labels=["yes"], average=None, zero_division=0)
    assert out["recall"] == pytest.approx(ref[1][0]) == 0.5
    assert out["unparsed"] == 1.0


def test_invalid_ground_truth_excluded_and_counted() -> None:
    s = create_scorer("accuracy", labels=["cat", "dog"])
    out = s.score(["cat", "dog", "cat"], ["cat", "fish", "dog"])
    assert out["n"] == 2.0 and out["invalid_ground_truth"] == 1.0
    assert out["accuracy"] == 0.5
    one = s.score_one("dog", "fish")
    assert math.isnan(one["correct"]) and "ground truth" in one.details["error"]
    ok = s.score_one("the cat", "cat")
    assert ok == {"correct": 1.0, "unparsed": 0.0}
    assert ok.details == {"label": "cat", "ground_truth_label": "cat"}
    bad = s.score_one("no idea", "cat")
    assert bad == {"correct": 0.0, "unparsed": 1.0} and bad.details["label"] == "<unparsed>"


def test_empty_and_all_invalid_inputs() -> None:
    for metric in ("accuracy", "f1"):
        out = create_scorer(metric).score([], [])
        assert math.isnan(out[metric]) and out["n"] == 0.0
        out = create_scorer(metric).score(["a"], [""])
        assert math.isnan(out[metric]) and out["invalid_ground_truth"] == 1.0


def test_bootstrap_stderr_is_seeded_and_plausible() -> None:
    rng = random.Random(7)
    y_true, y_pred = _random_lists(rng, 300, ["a", "b", "c"])
    s1 = create_scorer("f1", average="macro", seed=3).score(y_pred, y_true)
    s2 = create_scorer("f1", average="macro", seed=3).score(y_pred, y_true)
    s3 = create_scorer("f1", average="macro", seed=4).score(y_pred, y_true)
    assert s1 == s2
    assert s1["f1_stderr"] != s3["f1_stderr"]
    assert 0.005 < s1["f1_stderr"] < 0.1
    # micro F1 == accuracy here (every prediction is a class): similar stderr to the binomial one
    micro = create_scorer("f1", average="micro").score(y_pred, y_true)
    acc = create_scorer("accuracy").score(y_pred, y_true)
    assert micro["f1"] == pytest.approx(acc["accuracy"])
    assert micro["f1_stderr"] == pytest.approx(acc["accuracy_stderr"], rel=0.15)
    for avg in ("weighted", "binary"):
        kw = {"pos_label": "a"} if avg == "binary" else {}
        out = create_scorer("precision", average=avg, **kw).score(y_pred, y_true)
        assert 0.0 < out["precision_stderr"] < 0.1


def test_report_method_and_per_class_switch() -> None:
    s = create_scorer("f1", per_class=False)
    out = s.score(["a", "b"], ["a", "a"])
    assert not any("[" in k for k in out)
    rep = s.report(["a", "b"], ["a", "a"])
    assert rep.labels == ("a", "b") and rep.support == (2, 0)
