"""Structured verdicts: JSON parsing, verdict probabilities from token log-probabilities, the
probability-weighted win rate and the judge's calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.backends.types import TokenLogprob as T
from assay.judges.probabilities import map_probs_backward, mean_probs, verdict_probabilities
from assay.judges.prompts import PAIRWISE_SCHEMA, VERDICT_CHOICES, pairwise_messages
from assay.judges.rubric import parse_rubric
from assay.judges.rubric_schema import RUBRIC_LABEL_OUTCOMES, RUBRIC_SCHEMA
from assay.judges.verdicts import parse_verdict
from assay.stats.bootstrap import resample_indices
from assay.tasks.pairwise_judge.weighted import judge_calibration, weighted_winrate

TEXT = '{"rationale": "x", "verdict": "A"}'
#: SmolLM2's tokens of TEXT (checked with its tokenizer)
TOKENS = ['{"', 'rational', 'e', '":', ' "', 'x', '",', ' "', 'ver', 'dict', '":', ' "', 'A', '"}']


def _lp(p: float) -> float:
    return math.log(p)


def _tokens(tokens, at, top):
    out = [T(t, -0.05) for t in tokens]
    out[at] = T(tokens[at], top[0][1], tuple(top))
    return out


def test_separate_verdict_token():
    top = [("A", _lp(0.5)), ("B", _lp(0.2)), ("tie", _lp(0.1)), ("The", _lp(0.1)), ("t", _lp(0.05))]
    p = verdict_probabilities(TEXT, _tokens(TOKENS, 12, top), VERDICT_CHOICES)
    assert p == pytest.approx({"A": 0.5 / 0.85, "B": 0.2 / 0.85, "tie": 0.15 / 0.85})
    assert sum(p.values()) == pytest.approx(1.0)


def test_quote_merged_verdict_token():
    tokens = TOKENS[:11] + [' "A', '"}']
    top = [(' "A', _lp(0.4)), (' "B', _lp(0.4)), (' "tie', _lp(0.1)), (' "', _lp(0.05)),
           ('"A', _lp(0.05))]
    p = verdict_probabilities(TEXT, _tokens(tokens, 11, top), VERDICT_CHOICES)
    # ' "' is a prefix of every verdict: ambiguous, left out; '"A' maps to A
    assert p == pytest.approx({"A": 0.45 / 0.95, "B": 0.4 / 0.95, "tie": 0.1 / 0.95})


def test_value_and_closing_quote_in_one_token_and_compact_json():
    text = '{"rationale":"x","verdict":"tie"}'
    tokens = ['{"', 'rationale', '":"', 'x', '","', 'verdict', '":"', 'tie"}']
    top = [('tie"}', _lp(0.6)), ("A", _lp(0.3)), ("Tie", _lp(0.1))]
    p = verdict_probabilities(text, _tokens(tokens, 7, top), VERDICT_CHOICES)
    assert p == pytest.approx({"A": 1 / 3, "B": 0.0, "tie": 2 / 3})


def test_sampled_token_counts_when_outside_the_top_k():
    toks = _tokens(TOKENS, 12, [("B", _lp(0.6)), ("The", _lp(0.3))])
    toks[12] = T("A", _lp(0.2), toks[12].top)
    p = verdict_probabilities(TEXT, toks, VERDICT_CHOICES)
    assert p == pytest.approx({"A": 0.25, "B": 0.75, "tie": 0.0})


def test_sentencepiece_space_marker():
    tokens = ['{"rationale":', '\u2581"x",', '\u2581"verdict":', '\u2581"B"}']
    top = [('\u2581"B"}', _lp(0.5)), ('\u2581"A"}', _lp(0.25)), ('\u2581"t', _lp(0.25))]
    p = verdict_probabilities('{"rationale": "x", "verdict": "B"}', _tokens(tokens, 3, top),
                              VERDICT_CHOICES)
    assert p == pytest.approx({"A": 0.25, "B": 0.5, "tie": 0.25})


@pytest.mark.parametrize("case", ["no logprobs", "no verdict", "misaligned", "nothing maps"])
def test_no_probabilities(case):
    toks = _tokens(TOKENS, 12, [("A", _lp(0.5))])
    text = TEXT
    if case == "no logprobs":
        toks = None
    elif case == "no verdict":
        text = '{"rationale": "x"}'
    elif case == "misaligned":
        toks = [T("zzz", -1.0)] + toks[1:]
    else:
        toks = _tokens(TOKENS, 12, [("The", _lp(0.5)), (" ", _lp(0.2))])
        toks[12] = T("Q", _lp(0.5), toks[12].top)
    assert verdict_probabilities(text, toks, VERDICT_CHOICES) is None


def test_backward_mapping_and_mean():
    f = {"A": 0.6, "B": 0.3, "tie": 0.1}
    b_shown = {"A": 0.2, "B": 0.7, "tie": 0.1}   # shown B first: its B is the original A
    b = map_probs_backward(b_shown)
    assert b == {"A": 0.7, "B": 0.2, "tie": 0.1}
    assert mean_probs(f, b) == pytest.approx({"A": 0.65, "B": 0.25, "tie": 0.1})
    assert mean_probs(f, None) is None


def test_rubric_label_probabilities_bothbad_is_a_tie():
    text = '{"criteria": [], "overall_justification": "o", "label": "bothbad"}'
    tokens = ['{"criteria": [], "overall_justification": "o", "label": "', 'both', 'bad', '"}']
    top = [("both", _lp(0.5)), ("B", _lp(0.25)), ("tie", _lp(0.25))]
    p = verdict_probabilities(text, _tokens(tokens, 1, top), RUBRIC_LABEL_OUTCOMES, key="label")
    assert p == pytest.approx({"A": 0.0, "B": 0.25, "tie": 0.75})


@pytest.mark.parametrize("text,outcome", [
    ('{"rationale": "A is fine [[A>B]]", "verdict": "B"}', "B"),
    ('{"rationale": "x", "verdict": "tie"}', "tie"),
    (' {"rationale": "x", "verdict": "a"}\n', "A"),
    ('{"rationale": "cut off", "verdict": "B"', "B"),
    ('{"rationale": "x", "verdict": "A>B"}', "A"),
    ("Reasoning... [[B>A]]", "B"),
])
def test_parse_json_verdict(text, outcome):
    assert parse_verdict(text) == (outcome, None)


def test_free_text_parser_ignores_json():
    assert parse_verdict('{"rationale": "x", "verdict": "B"}', structured=False)[0] == "error"
    assert parse_verdict('{"rationale": "x [[A>B]]", "verdict": "B"}', structured=False)[0] == "A"
    assert parse_verdict('{"rationale": "never closed')[0] == "error"


def test_schemas_are_valid_and_prompts_ask_for_json():
    from assay.backends.structured import check_schema, reply_problem, json_schema_format

    check_schema(PAIRWISE_SCHEMA)
    check_schema(RUBRIC_SCHEMA)
    assert reply_problem(TEXT, json_schema_format(PAIRWISE_SCHEMA)) is None
    user = pairwise_messages("p", "a", "b", structured=True)[1].content
    assert '"verdict"' in user and "[[A>B]]" not in user
    assert "[[A>B]]" in pairwise_messages("p", "a", "b")[1].content


def test_parse_rubric_json_reply():
    text = ('{"criteria": [{"name": "acc", "description": "d", "type": "scale", "weight": 0.6, '
            '"score_A": 2, "score_B": 5, "justification_A": "says [[A>B]]", "justification_B": '
            '"y"}, {"name": "acc", "description": "d", "type": "scale", "weight": 0.6, '
            '"score_A": 4, "score_B": 3, "justification_A": "x", "justification_B": "y"}], '
            '"overall_justification": "o", "label": "B"}')
    j, problem = parse_rubric(text)
    assert problem is None and j.label == "B>A"
    assert [c.name for c in j.criteria] == ["acc", "acc_2"]   # repeated names made unique
    assert sum(c.weight for c in j.criteria) == pytest.approx(1.0)


def test_weighted_winrate_against_direct_computation():
    rng = np.random.default_rng(1)
    probs = []
    for _ in range(40):
        v = rng.dirichlet([1, 1, 1])
        probs.append({"A": v[0], "B": v[1], "tie": v[2]})
    probs.append(None)   # an example without probabilities is left out
    w = weighted_winrate(probs, seed=7, n_resamples=500)
    values = np.array([p["B"] + 0.5 * p["tie"] for p in probs if p is not None])
    assert w["n"] == 40 and w["n_examples"] == 41
    assert w["value"] == pytest.approx(values.mean())
    idx = np.concatenate(list(resample_indices(40, 500, seed=7)))
    means = values[idx].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    assert (w["lower"], w["upper"]) == pytest.approx((lo, hi))
    assert weighted_winrate([None], seed=0)["value"] is None


def test_judge_calibration_uses_the_outcomes_probability():
    outcomes = ["A", "B", "tie", "error", "A"]
    human = ["A", "A", "tie", "B", None]
    probs = [{"A": 0.8, "B": 0.1, "tie": 0.1}, {"A": 0.3, "B": 0.6, "tie": 0.1},
             {"A": 0.2, "B": 0.2, "tie": 0.6}, None, {"A": 0.9, "B": 0.05, "tie": 0.05}]
    cal = judge_calibration(outcomes, human, probs, seed=0)
    assert cal["n"] == 3 and cal["n_correct"] == 2
    assert cal["mean_confidence"] == pytest.approx((0.8 + 0.6 + 0.6) / 3)
    assert judge_calibration(outcomes, [None] * 5, probs, seed=0) is None


def test_embedded_judge_quality_line():
    from assay.judges.quality import embedded_judge_line, embedded_judge_quality
    from assay.tasks.pairwise_judge.summary import probability_lines

    entry = embedded_judge_quality("local/smollm2")
    assert entry is not None and embedded_judge_quality("openai/gpt-4o") is None
    measured = dict(entry, agreement=0.41, ci_low=0.34, ci_high=0.48, n=200, chance=0.45,
                    weighted_agreement=None)
    unmeasured = dict(entry, agreement=None)
    assert "not measured" in embedded_judge_line(unmeasured)
    line = embedded_judge_line(measured)
    assert "41.0%" in line and "--judge openai/" in line
    assert "weighted" not in line
    line = embedded_judge_line(dict(measured, weighted_agreement=0.5, weighted_ci_low=0.43,
                                    weighted_ci_high=0.57))
    assert "probability-weighted verdicts 50.0% (43.0% to 57.0%)" in line
    assert line.index("41.0%") < line.index("50.0%") < line.index("45.0%")
    shipped = embedded_judge_line(entry)     # quality.json holds the measured figures
    assert "not measured" not in shipped and "on 200 human-labelled pairs" in shipped
    lines = probability_lines({"weighted_winrate": {"value": 0.6, "lower": 0.5, "upper": 0.7,
                                                    "n": 7}, "embedded_judge": unmeasured})
    assert lines[0].startswith("probability-weighted win rate (B): 0.600 [0.500, 0.700]")
    assert "not measured" in lines[1]


def test_embedded_grader_line_for_pointwise_runs():
    from assay.judges.quality import embedded_grader_line, embedded_judge_quality

    line = embedded_grader_line(embedded_judge_quality("local/smollm2"))
    assert line.startswith("judge local/smollm2 is the embedded model; as a pairwise judge it "
                           "agrees with people 45.0% of the time, against 45.0%")
    assert "--judge openai/" in line
    assert embedded_grader_line(embedded_judge_quality("openai/gpt-4o")) == ""
