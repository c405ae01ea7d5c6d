"""assay.stats.agreement: reconcile rule, Wilson intervals, agreement report on hand-computed examples."""

from __future__ import annotations

import math

import pytest

from assay.stats.agreement import (
    HUMAN_LABELS,
    JUDGE_LABELS,
    agreement_report,
    confusion_matrix,
    proportion,
    reconcile,
    swap_label,
    wilson_interval,
)


# ------------------------------------------------------------------ reconcile

@pytest.mark.parametrize("f,b,want", [
    ("A", "A", "A"), ("B", "B", "B"), ("tie", "tie", "tie"),
    ("A", "B", "tie"), ("B", "A", "tie"),
    ("A", "tie", "tie"), ("tie", "B", "tie"),
    ("error", "A", "error"), ("A", "error", "error"), ("error", "tie", "error"), ("error", "error", "error"),
])
def test_reconcile_table(f, b, want):
    assert reconcile(f, b) == want


def test_reconcile_rejects_unknown_labels():
    with pytest.raises(ValueError):
        reconcile("a", "A")
    with pytest.raises(ValueError):
        reconcile("A", "Tie")


def test_swap_label():
    assert [swap_label(x) for x in JUDGE_LABELS] == ["B", "A", "tie", "error"]


# ------------------------------------------------------------------ Wilson

# statsmodels proportion_confint(k, n, method="wilson") == scipy binomtest(k, n).proportion_ci(method="wilson");
# values recorded from scipy 1.17.1. 7/10 -> (0.3968, 0.8922) is also the textbook value.
REFERENCE = [
    (7, 10, 0.39677814746114526, 0.892208732593699),
    (0, 10, 0.0, 0.27753279986288926),
    (10, 10, 0.7224672001371109, 1.0),
    (708, 999, 0.6797769483268088, 0.7360415206168038),
    (1, 3, 0.06149194472039626, 0.7923403991979523),
]


@pytest.mark.parametrize("k,n,lo,hi", REFERENCE)
def test_wilson_reference_values(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-12)
    assert got[1] == pytest.approx(hi, abs=1e-12)


def test_wilson_matches_scipy_grid():
    stats = pytest.importorskip("scipy.stats")
    for n in (1, 2, 5, 17, 100, 350):
        for k in range(0, n + 1, max(1, n // 7)):
            for level in (0.9, 0.95, 0.99):
                ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
                lo, hi = wilson_interval(k, n, level)
                assert lo == pytest.approx(float(ci.low), abs=1e-10)
                assert hi == pytest.approx(float(ci.high), abs=1e-10)


def test_wilson_edge_cases():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(1, 2, level=1.0)
    p = proportion(0, 0)
    assert p["n"] == 0 and math.isnan(p["rate"])


# ------------------------------------------------------------------ confusion

def test_confusion_layout():
    m = confusion_matrix(["A", "A", "B", "tie", "tie"], ["A", "B", "error", "tie", "A"])
    assert list(m) == list(HUMAN_LABELS)
    assert all(list(row) == list(JUDGE_LABELS) for row in m.values())
    assert m["A"] == {"A": 1, "B": 1, "tie": 0, "error": 0}
    assert m["B"] == {"A": 0, "B": 0, "tie": 0, "error": 1}
    assert m["tie"] == {"A": 1, "B": 0, "tie": 1, "error": 0}
    assert sum(v for row in m.values() for v in row.values()) == 5


def test_confusion_rejects_human_error():
    with pytest.raises(ValueError):
        confusion_matrix(["error"], ["A"])


# ------------------------------------------------------------------ report

HUMAN = ["A", "A", "B", "B", "tie", "tie", "A", "B"]
FWD = ["A", "A", "B", "tie", "tie", "A", "B", "error"]
BWD = ["A", "B", "B", "B", "tie", "A", "B", "B"]
# reconciled: A, tie, B, tie, tie, A, B, error


def test_report_forward_only():
    rep = agreement_report(HUMAN, FWD)
    assert rep["n"] == 8 and rep["n_without_ties"] == 6
    assert rep["human_counts"] == {"A": 3, "B": 3, "tie": 2}
    fa = rep["forward_agreement"]
    # matches: 0,1,2,4 -> 4/8; without ties (rows 0,1,2,3,6,7): 0,1,2 -> 3/6
    assert (fa["with_ties"]["k"], fa["with_ties"]["n"]) == (4, 8)
    assert (fa["without_ties"]["k"], fa["without_ties"]["n"]) == (3, 6)
    assert fa["with_ties"]["rate"] == 0.5
    assert (fa["with_ties"]["lo"], fa["with_ties"]["hi"]) == wilson_interval(4, 8)
    assert rep["reconciled_agreement"] is None and rep["position_consistency"] is None
    assert rep["error_rate"]["forward"]["k"] == 1 and rep["error_rate"]["backward"] is None
    assert rep["confusion"]["backward"] is None
    assert rep["confusion"]["forward"]["B"] == {"A": 0, "B": 1, "tie": 1, "error": 1}


def test_report_both_orders():
    rep = agreement_report(HUMAN, FWD, BWD)
    ra = rep["reconciled_agreement"]
    # reconciled == human at rows 0,2,4 -> 3/8; without ties: rows 0,2 -> 2/6
    assert (ra["with_ties"]["k"], ra["with_ties"]["n"]) == (3, 8)
    assert (ra["without_ties"]["k"], ra["without_ties"]["n"]) == (2, 6)
    # forward == backward, no error: rows 0,2,4,5,6 -> 5/8
    assert rep["position_consistency"]["k"] == 5
    assert rep["error_rate"]["reconciled"]["k"] == 1
    assert rep["error_rate"]["backward"]["k"] == 0
    assert rep["confusion"]["reconciled"]["A"] == {"A": 1, "B": 1, "tie": 1, "error": 0}
    assert rep["confusion"]["reconciled"]["B"] == {"A": 0, "B": 1, "tie": 1, "error": 1}
    assert rep["confusion"]["reconciled"]["tie"] == {"A": 1, "B": 0, "tie": 1, "error": 0}


def test_report_errors_are_inconsistent_and_wrong():
    rep = agreement_report(["A", "A"], ["error", "A"], ["error", "A"])
    assert rep["position_consistency"]["k"] == 1
    assert rep["reconciled_agreement"]["with_ties"]["k"] == 1
    assert rep["error_rate"]["forward"]["rate"] == 0.5


def test_report_skips_missing_human_labels():
    rep = agreement_report(["A", None, "B"], ["A", "B", "A"], ["A", "B", "B"])
    assert rep["n"] == 2
    assert rep["forward_agreement"]["with_ties"]["k"] == 1
    assert rep["position_consistency"]["k"] == 1


def test_report_all_ties_has_nan_without_ties():
    rep = agreement_report(["tie", "tie"], ["tie", "A"])
    assert rep["forward_agreement"]["with_ties"]["k"] == 1
    wt = rep["forward_agreement"]["without_ties"]
    assert wt["n"] == 0 and math.isnan(wt["rate"]) and math.isnan(wt["lo"])


def test_report_validates():
    with pytest.raises(ValueError):
        agreement_report(["A"], ["A", "B"])
    with pytest.raises(ValueError):
        agreement_report(["A"], ["A"], ["A", "B"])
    with pytest.raises(ValueError):
        agreement_report(["X"], ["A"])
    with pytest.raises(ValueError):
        agreement_report(["A"], ["maybe"])


def test_report_empty():
    rep = agreement_report([], [], [])
    assert rep["n"] == 0 and math.isnan(rep["forward_agreement"]["with_ties"]["rate"])
