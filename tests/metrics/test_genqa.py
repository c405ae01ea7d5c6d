"""The gen_qa public interface: metric resolution, scoring, aggregation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import assay.metrics
import assay.metrics.genqa
from assay.errors import ConfigError
from assay.metrics import GEN_QA_METRICS, GenQAScorer, mean_with_stderr, resolve_metrics
from tests.metrics.realistic_pairs import make_pairs

AGGREGATE_CASES = json.loads((Path(__file__).parent / "cases" / "aggregate.json").read_text())["cases"]


def test_metric_names_are_the_nova_keys() -> None:
    assert GEN_QA_METRICS == ("em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2", "rougeL", "bleu")


@pytest.mark.parametrize("names", [None, "all", ["all"], ["em", "all"]])
def test_resolve_all(names) -> None:
    assert resolve_metrics(names) == GEN_QA_METRICS


def test_resolve_subset_is_canonical_order_and_deduplicated() -> None:
    assert resolve_metrics(["bleu", "em", "bleu", "rougeL"]) == ("em", "rougeL", "bleu")
    assert resolve_metrics("rouge1") == ("rouge1",)
    assert resolve_metrics(["exact_match", "quasi_exact_match", "f1_score"]) == ("em", "qem", "f1")


@pytest.mark.parametrize(("typo", "suggestion"), [("rogue1", "rouge1"), ("rougel", "rougeL"),
                                                  ("blue", "bleu"), ("f1_quasi", "f1_score_quasi")])
def test_unknown_metric_suggests(typo: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as err:
        resolve_metrics(["em", typo])
    assert err.value.field == "metrics"
    assert f"did you mean '{suggestion}'" in str(err.value)


def test_unknown_metric_without_close_match_and_empty_selection() -> None:
    with pytest.raises(ConfigError, match="unknown metric 'perplexity'"):
        resolve_metrics(["perplexity"])
    with pytest.raises(ConfigError, match="no metric selected"):
        resolve_metrics([])
    with pytest.raises(ConfigError):
        GenQAScorer(["nope"])


def test_score_returns_only_selected_metrics_in_order() -> None:
    values, states = GenQAScorer(["rougeL", "em"]).score("The cat", "the cat")
    assert list(values) == ["em", "rougeL"]
    assert values == {"em": 0.0, "rougeL": 1.0}
    assert states == {}


def test_bleu_state_layout() -> None:
    values, states = GenQAScorer(["bleu"]).score("the cat sat", "the cat sat down")
    # [hyp_len, ref_len, m1..m4, t1..t4]
    assert states["bleu"] == [3.0, 4.0, 3.0, 2.0, 1.0, 0.0, 3.0, 2.0, 1.0, 0.0]
    assert 0.0 < values["bleu"] < 100.0


@pytest.mark.parametrize("case", AGGREGATE_CASES, ids=[c["name"] for c in AGGREGATE_CASES])
def test_mean_with_stderr_golden(case: dict) -> None:
    values = [math.nan if v is None else v for v in case["values"]]
    out = mean_with_stderr("m", values)
    for key, expected in (("m", case["expected"]["mean"]), ("m_stderr", case["expected"]["stderr"])):
        if expected is None:
            assert math.isnan(out[key])
        else:
            assert out[key] == pytest.approx(expected, abs=case["tolerance"], rel=0)


def test_aggregate_mean_metrics_match_hand_computation() -> None:
    pairs = make_pairs(40, seed=4)
    scorer = GenQAScorer(None)
    values, states = scorer.score_all([p for p, _ in pairs], [g for _, g in pairs])
    out = scorer.aggregate(values, states)
    assert set(out) == {k for m in GEN_QA_METRICS for k in (m, m + "_stderr")}
    for m in GEN_QA_METRICS[:-1]:
        x = values[m]
        mean = sum(x) / len(x)
        sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (len(x) - 1))
        assert out[m] == pytest.approx(mean, abs=1e-12)
        assert out[m + "_stderr"] == pytest.approx(sd / math.sqrt(len(x)), abs=1e-12)


def test_aggregate_empty_and_single_example() -> None:
    scorer = GenQAScorer(None)
    empty_values, empty_states = scorer.score_all([], [])
    out = scorer.aggregate(empty_values, empty_states)
    assert all(math.isnan(v) for v in out.values())
    assert all(math.isnan(v) for v in scorer.aggregate({}, {}).values())
    values, states = scorer.score_all(["the cat sat on the mat"], ["the cat sat on a mat"])
    one = scorer.aggregate(values, states)
    for m in GEN_QA_METRICS:
        assert one[m] == pytest.approx(values[m][0]) if m != "bleu" else math.isfinite(one[m])
        assert one[m + "_stderr"] == 0.0


def test_aggregate_all_failed_gives_nan() -> None:
    scorer = GenQAScorer(["em", "bleu"])
    values = {"em": np.array([np.nan, np.nan])}
    states = {"bleu": np.full((2, 10), np.nan)}
    out = scorer.aggregate(values, states)
    assert all(math.isnan(v) for v in out.values())


def test_bleu_bootstrap_is_deterministic_and_seeded() -> None:
    pairs = make_pairs(300, seed=9)
    scorer = GenQAScorer(["bleu"])
    values, states = scorer.score_all([p for p, _ in pairs], [g for _, g in pairs])
    a = scorer.aggregate(values, states, seed=0)
    b = scorer.aggregate(values, {"bleu": states["bleu"].copy()}, seed=0)
    c = scorer.aggregate(values, states, seed=1)
    assert np.float64(a["bleu_stderr"]).tobytes() == np.float64(b["bleu_stderr"]).tobytes()
    assert a["bleu"] == c["bleu"]
    assert a["bleu_stderr"] != c["bleu_stderr"]
    assert 0.0 < a["bleu_stderr"] < 10.0


def test_bleu_bootstrap_stderr_is_plausible() -> None:
    """The bootstrap stderr of corpus BLEU is close to the per-example spread scaled by sqrt(n)."""
    pairs = make_pairs(400, seed=12)
    scorer = GenQAScorer(["bleu"])
    values, states = scorer.score_all([p for p, _ in pairs], [g for _, g in pairs])
    se = scorer.aggregate(values, states)["bleu_stderr"]
    naive = float(np.std(values["bleu"], ddof=1) / math.sqrt(len(pairs)))
    assert 0.3 * naive < se < 3.0 * naive


@pytest.mark.parametrize("module", [assay.metrics, assay.metrics.genqa])
def test_all_lists_public_names(module) -> None:
    public = {n for n in vars(module) if not n.startswith("_")}
    assert set(module.__all__) <= public
    assert len(module.__all__) == len(set(module.__all__))
