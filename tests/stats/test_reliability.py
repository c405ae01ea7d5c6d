"""assay.stats.reliability: ECE (equal width, equal mass) and Brier against a direct numpy
computation written here, AUROC and Brier against scikit-learn, on golden cases with ties and
confidences exactly on bin edges; the summary's intervals are seeded and contain the values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.stats.reliability import (auroc, brier_score, calibration_summary,
                                     expected_calibration_error, reliability_bins)


def _ece_width(p, y, n_bins):
    """Guo et al.: bins [k/n, (k+1)/n), the last closed; written without the module's code."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        sel = (p >= lo) & ((p < hi) if b < n_bins - 1 else (p <= hi))
        if sel.any():
            total += sel.sum() * abs(y[sel].mean() - p[sel].mean())
    return total / p.size


def _ece_mass(p, y, n_bins):
    """Sorted by confidence (stable), split into n_bins groups differing in size by <= 1."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    order = sorted(range(p.size), key=lambda i: p[i])
    k = min(n_bins, p.size)
    sizes = [p.size // k + (1 if i < p.size % k else 0) for i in range(k)]
    total, start = 0.0, 0
    for s in sizes:
        idx = order[start:start + s]
        start += s
        total += s * abs(y[idx].mean() - p[idx].mean())
    return total / p.size


GOLDEN = [
    # confidences exactly on edges (0.0, 0.1, 0.5, 0.9, 1.0), ties across both classes
    ([0.0, 0.1, 0.1, 0.5, 0.5, 0.5, 0.9, 1.0, 1.0, 0.3], [0, 0, 1, 1, 0, 1, 1, 1, 0, 0]),
    # all in one bin, all ties
    ([0.7] * 6, [1, 1, 0, 1, 0, 1]),
    # perfectly calibrated-looking spread
    ([0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95], [0, 0, 0, 0, 1, 0, 1, 1, 1, 1]),
    # fewer examples than bins
    ([0.2, 0.8, 0.8], [0, 1, 0]),
]


@pytest.mark.parametrize("p,y", GOLDEN)
@pytest.mark.parametrize("n_bins", [1, 2, 5, 10])
def test_ece_both_binnings_equal_a_direct_computation(p, y, n_bins):
    assert expected_calibration_error(p, y, n_bins=n_bins, strategy="width") == \
        pytest.approx(_ece_width(p, y, n_bins), abs=1e-12)
    assert expected_calibration_error(p, y, n_bins=n_bins, strategy="mass") == \
        pytest.approx(_ece_mass(p, y, n_bins), abs=1e-12)


def test_bin_edges_belong_to_the_upper_bin_and_one_closes_the_last():
    bins = reliability_bins([0.0, 0.1, 0.5, 0.9, 1.0], [1, 1, 1, 1, 1], n_bins=10)
    counts = [b["n"] for b in bins]
    assert counts == [1, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert math.isnan(bins[2]["accuracy"]) and bins[9]["hi"] == 1.0


def test_hand_worked_ece():
    # two bins: [0, .5) holds .2 (wrong) and .4 (right); [.5, 1] holds .6, .8 (both right)
    # |0.5 - 0.3| * 2/4 + |1.0 - 0.7| * 2/4 = 0.25
    assert expected_calibration_error([0.2, 0.4, 0.6, 0.8], [0, 1, 1, 1], n_bins=2) == \
        pytest.approx(0.25)


@pytest.mark.parametrize("p,y", GOLDEN + [
    (np.random.default_rng(3).random(200).tolist(),
     (np.random.default_rng(4).random(200) < 0.6).astype(int).tolist())])
def test_brier_and_auroc_equal_sklearn(p, y):
    from sklearn.metrics import brier_score_loss, roc_auc_score

    assert brier_score(p, y) == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    p_np, y_np = np.asarray(p, float), np.asarray(y, float)
    assert brier_score(p, y) == pytest.approx(float(np.mean((p_np - y_np) ** 2)), abs=1e-12)
    if 0 < sum(y) < len(y):
        assert auroc(p, y) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    else:
        assert math.isnan(auroc(p, y))


def test_missing_pairs_are_dropped_and_bad_values_refused():
    s = calibration_summary([0.9, None, float("nan"), 0.2], [1, 0, 1, None], n_boot=50)
    assert s["n"] == 1 and s["n_dropped"] == 3
    with pytest.raises(ValueError):
        calibration_summary([1.2], [1])
    with pytest.raises(ValueError):
        calibration_summary([0.5], [2])


def test_summary_is_seeded_and_its_intervals_hold_the_values():
    rng = np.random.default_rng(0)
    p = rng.random(120).tolist()
    y = (rng.random(120) < np.asarray(p)).astype(int).tolist()
    a = calibration_summary(p, y, n_boot=300, seed=5)
    b = calibration_summary(p, y, n_boot=300, seed=5)
    c = calibration_summary(p, y, n_boot=300, seed=6)
    assert a == b and a["ece"] != c["ece"]
    for key in ("ece", "ece_equal_mass", "brier", "auroc"):
        assert a[key]["ci_low"] <= a[key]["value"] <= a[key]["ci_high"]
    assert a["ece"]["value"] == pytest.approx(_ece_width(p, y, 10))
    assert a["ece_equal_mass"]["value"] == pytest.approx(_ece_mass(p, y, 10))
    assert sum(x["n"] for x in a["bins_equal_width"]) == 120
