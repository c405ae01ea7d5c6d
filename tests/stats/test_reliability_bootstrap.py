"""The bootstrap of assay.stats.reliability computes every resample at once; each must equal
the one-resample definitions applied to that resample alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.stats import reliability as R
from assay.stats.bootstrap import resample_indices


@pytest.mark.parametrize("n", [1, 2, 5, 37, 300])
def test_vectorised_resamples_equal_the_definitions(n):
    rng = np.random.default_rng(n)
    p = rng.random(n).round(1)           # rounded: ties, and values on the bin edges
    y = (rng.random(n) < p).astype(float)
    for rows in resample_indices(n, 150, seed=7):
        got = R._resampled_stats(p, y, 10, rows)
        for i, r in enumerate(rows):
            want = {"ece": R._ece(p[r], y[r], 10, "width"),
                    "ece_equal_mass": R._ece(p[r], y[r], 10, "mass"),
                    "brier": R._brier(p[r], y[r]), "auroc": R._auroc(p[r], y[r])}
            for k, v in want.items():
                if math.isnan(v):
                    assert math.isnan(got[k][i]), k
                else:
                    assert got[k][i] == pytest.approx(v, abs=1e-12), k


def test_intervals_are_percentiles_of_those_resamples_and_seeded():
    rng = np.random.default_rng(0)
    p = rng.random(60)
    y = (rng.random(60) < p).astype(float)
    s = R.calibration_summary(p, y, n_boot=400, seed=3)
    eces = [R._ece(p[r], y[r], 10, "width") for rows in resample_indices(60, 400, seed=3)
            for r in rows]
    assert s["ece"]["ci_low"] == pytest.approx(float(np.quantile(eces, 0.025)), abs=1e-12)
    assert s["ece"]["ci_high"] == pytest.approx(float(np.quantile(eces, 0.975)), abs=1e-12)
    assert R.calibration_summary(p, y, n_boot=400, seed=3) == s
    assert R.calibration_summary(p, y, n_boot=400, seed=4)["ece"] != s["ece"]
