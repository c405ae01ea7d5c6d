import pytest

from assay.judges.rubric import Criterion, RubricJudgment
from assay.judges.rubric_scores import (breakdown, margin_preference, normalised_score, reweight,
                                        scores_from_breakdown, weighted_scores)


def crit(name, a, b, w, t="scale"):
    return Criterion(name, f"{name} desc", w, t, a, b, f"{name} A", f"{name} B")


# Nova rubric post, Notre Dame example
NOTRE_DAME = (crit("accuracy", 2, 4, 0.5), crit("completeness", 1, 5, 0.3),
              crit("clarity", 2, 5, 0.2))


def judgment(criteria, label="B>A"):
    return RubricJudgment(tuple(criteria), label, "B is better", False, ())


def test_notre_dame_example():
    a, b = weighted_scores(NOTRE_DAME)
    # A: .5*.25 + .3*0 + .2*.25 = .175 ; B: .5*.75 + .3*1 + .2*1 = .875
    assert abs(a - 0.175) < 1e-12 and abs(b - 0.875) < 1e-12
    wa, wb, margin = scores_from_breakdown(breakdown(judgment(NOTRE_DAME)))
    assert abs(wa - 0.175) < 1e-12 and abs(wb - 0.875) < 1e-12
    assert abs(margin - (-0.700)) < 1e-12
    assert margin_preference(margin) == "B"


def test_photosynthesis_example():
    # The post prints weighted_score_A = 0.225 for this rubric, but the documented formula
    # ((s-1)/4 times the weight, summed) gives .5*.25 + .3*.5 + .2*.75 = 0.425; we follow the
    # formula (0.225 is not reachable from these scores and weights by that rule).
    crits = (crit("completeness", 2, 5, 0.5), crit("clarity", 3, 5, 0.3),
             crit("accuracy", 4, 5, 0.2))
    a, b = weighted_scores(crits)
    assert abs(a - 0.425) < 1e-12
    assert abs(b - 1.0) < 1e-12


def test_binary_and_normalisation():
    assert normalised_score("scale", 1) == 0.0 and normalised_score("scale", 5) == 1.0
    assert normalised_score("binary", True) == 1.0 and normalised_score("binary", False) == 0.0
    with pytest.raises(ValueError):
        normalised_score("likert", 3)
    a, b = weighted_scores((crit("cites", True, False, 0.4, "binary"), crit("acc", 3, 5, 0.6)))
    assert abs(a - (0.4 + 0.6 * 0.5)) < 1e-12 and abs(b - 0.6) < 1e-12


def test_breakdown_keys():
    bd = breakdown(judgment(NOTRE_DAME))
    assert list(bd) == ["accuracy", "completeness", "clarity"]
    assert bd["accuracy"] == {"score_A": 2, "score_B": 4, "weight": 0.5, "type": "scale",
                              "description": "accuracy desc", "justification_A": "accuracy A",
                              "justification_B": "accuracy B"}


def test_reweight_by_hand():
    bd = breakdown(judgment(NOTRE_DAME))
    new, missing = reweight(bd, {"accuracy": 0.5}, drop=["clarity"])
    assert missing == [] and list(new) == ["accuracy", "completeness"]
    # weights 0.5 / 0.3 renormalised: 0.5/0.8 = 0.625, 0.3/0.8 = 0.375
    assert abs(new["accuracy"]["weight"] - 0.625) < 1e-12
    assert abs(new["completeness"]["weight"] - 0.375) < 1e-12
    wa, wb, margin = scores_from_breakdown(new)
    # A: .625*(2-1)/4 + .375*(1-1)/4 = 0.15625 ; B: .625*(4-1)/4 + .375*(5-1)/4 = 0.84375
    assert abs(wa - 0.15625) < 1e-12 and abs(wb - 0.84375) < 1e-12
    assert abs(margin - (-0.6875)) < 1e-12
    assert bd["clarity"]["weight"] == 0.2 and bd["accuracy"]["weight"] == 0.5  # input untouched


def test_reweight_replaces_and_reports_missing():
    bd = breakdown(judgment(NOTRE_DAME))
    new, missing = reweight(bd, {"clarity": 1.0, "style": 0.3}, drop=["nonexistent", "style"])
    assert missing == ["style", "nonexistent"]
    # weights 0.5, 0.3, 1.0 -> /1.8
    assert abs(new["clarity"]["weight"] - 1.0 / 1.8) < 1e-12
    assert abs(sum(e["weight"] for e in new.values()) - 1.0) < 1e-12
    same, missing = reweight(bd)
    assert missing == [] and same == bd
    assert reweight(bd, drop=list(bd)) == ({}, [])
    with pytest.raises(ValueError):
        reweight(bd, {"accuracy": 0, "completeness": 0, "clarity": 0})
    with pytest.raises(ValueError):
        reweight(bd, {"accuracy": -1})


def test_margin_preference():
    assert margin_preference(0.3) == "A" and margin_preference(-0.3) == "B"
    assert margin_preference(0.0) == "tie" and margin_preference(1e-12) == "tie"
    assert margin_preference(0.05, eps=0.1) == "tie"
