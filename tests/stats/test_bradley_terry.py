"""assay.stats.bradley_terry: MLE against scikit-learn, Elo scale, prompt bootstrap."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from assay.stats import bradley_terry as btm
from assay.stats.bradley_terry import Ratings, bt_ratings, fit_bradley_terry, mle_exists, to_elo

# Golden win matrix, 4 models; ties already split 0.5 each way.
GOLDEN = np.array([[0.0, 7.5, 4.0, 9.0],
                   [3.5, 0.0, 6.0, 2.5],
                   [5.0, 4.0, 0.0, 8.0],
                   [1.0, 5.5, 3.0, 0.0]])


def _sklearn_bt(wins: np.ndarray) -> np.ndarray:
    """Unregularised logistic regression on +-1 design rows, weights = win counts."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    n = wins.shape[0]
    rows, y, wt = [], [], []
    for i in range(n):
        for j in range(i + 1, n):
            x = np.zeros(n)
            x[i], x[j] = 1.0, -1.0
            rows += [x, x]
            y += [1, 0]
            wt += [wins[i, j], wins[j, i]]
    model = linear_model.LogisticRegression(penalty=None, fit_intercept=False, tol=1e-12, max_iter=100_000)
    with warnings.catch_warnings():  # sklearn >= 1.8 deprecates penalty=None (still unpenalised)
        warnings.simplefilter("ignore", FutureWarning)
        model.fit(np.array(rows), np.array(y), sample_weight=np.array(wt))
    beta = model.coef_[0]
    return beta - beta.mean()


def _battles(strengths: np.ndarray, m: int, seed: int, tie_rate: float = 0.1):
    rng = np.random.default_rng(seed)
    n = strengths.size
    i = rng.integers(0, n, m)
    j = (i + rng.integers(1, n, m)) % n
    p = 1.0 / (1.0 + np.exp(-(strengths[i] - strengths[j])))
    out = np.where(rng.random(m) < tie_rate, 0.5, (rng.random(m) < p).astype(float))
    return i, j, out


def test_golden_matches_sklearn_logistic_regression() -> None:
    theta = fit_bradley_terry(GOLDEN)
    ref = _sklearn_bt(GOLDEN)
    assert theta.mean() == pytest.approx(0.0, abs=1e-12)
    diffs = theta[:, None] - theta[None, :]
    ref_diffs = ref[:, None] - ref[None, :]
    np.testing.assert_allclose(diffs, ref_diffs, atol=1e-4)


def test_mle_score_equations_hold() -> None:
    theta = fit_bradley_terry(GOLDEN)
    p = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
    games = GOLDEN + GOLDEN.T
    np.testing.assert_allclose(GOLDEN.sum(axis=1), (games * p).sum(axis=1), atol=1e-9)


def test_batch_equals_single_fits() -> None:
    batch = np.stack([GOLDEN, GOLDEN.T, GOLDEN + 1.0])
    got = fit_bradley_terry(batch)
    for k in range(3):
        np.testing.assert_allclose(got[k], fit_bradley_terry(batch[k]), atol=1e-12)


def test_two_players_closed_form() -> None:
    theta = fit_bradley_terry(np.array([[0.0, 16.0], [10.0, 0.0]]))
    assert 1.0 / (1.0 + math.exp(theta[0] - theta[1])) == pytest.approx(10 / 26, abs=1e-12)


def test_no_mle_raises() -> None:
    never_wins = GOLDEN.copy()
    never_wins[3, :] = 0.0
    assert not mle_exists(never_wins)
    with pytest.raises(ValueError, match="strongly connected"):
        fit_bradley_terry(never_wins)
    disconnected = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 2], [0, 0, 1, 0]], dtype=float)
    with pytest.raises(ValueError):
        fit_bradley_terry(disconnected)
    with pytest.raises(ValueError):
        fit_bradley_terry(np.ones((2, 3)))
    with pytest.raises(ValueError):
        fit_bradley_terry(-GOLDEN)


def test_to_elo() -> None:
    theta = np.array([0.0, math.log(10.0)])
    np.testing.assert_allclose(to_elo(theta), [1000.0, 1400.0])
    np.testing.assert_allclose(to_elo(theta, scale=1.0, base=math.e, init=0.0), theta)
    e = to_elo(fit_bradley_terry(GOLDEN))
    t = fit_bradley_terry(GOLDEN)
    p_elo = 1.0 / (1.0 + 10.0 ** ((e[1] - e[0]) / 400.0))
    assert p_elo == pytest.approx(1.0 / (1.0 + math.exp(t[1] - t[0])), abs=1e-12)


def test_ratings_point_estimate_is_the_aggregated_fit() -> None:
    i, j, out = _battles(np.array([0.5, 0.0, -0.5, 1.0, -1.0]), 2000, seed=3)
    r = bt_ratings((i, j, out), 5, n_resamples=50, seed=1)
    wins = np.zeros((5, 5))
    np.add.at(wins, (i, j), out)
    np.add.at(wins, (j, i), 1.0 - out)
    np.testing.assert_allclose(r.ratings, fit_bradley_terry(wins), atol=1e-10)
    np.testing.assert_allclose(r.ratings, _sklearn_bt(wins), atol=1e-4)
    assert isinstance(r, Ratings) and r.n_resamples == 50 and r.n_dropped == 0
    assert np.all(r.ci_low <= r.ratings) and np.all(r.ratings <= r.ci_high)
    np.testing.assert_allclose(r.elo_low, to_elo(r.ci_low))
    assert r.ranking.tolist() == list(np.argsort(-r.ratings, kind="stable"))
    table = r.table(["a", "b", "c", "d", "e"])
    assert table[0]["model"] == "d" and table[0]["rank"] == 1 and table[-1]["model"] == "e"


def test_bootstrap_deterministic_and_input_forms() -> None:
    i, j, out = _battles(np.array([0.2, 0.0, -0.3]), 500, seed=4)
    first = bt_ratings((i, j, out), 3, n_resamples=200, seed=7)
    again = bt_ratings(np.column_stack([i, j, out]), 3, n_resamples=200, seed=7)
    unique = bt_ratings((i, j, out), 3, n_resamples=200, seed=7, prompt_ids=np.arange(i.size))
    other = bt_ratings((i, j, out), 3, n_resamples=200, seed=8)
    for r in (again, unique):
        np.testing.assert_array_equal(first.ci_low, r.ci_low)
        np.testing.assert_array_equal(first.ci_high, r.ci_high)
    assert not np.array_equal(first.ci_low, other.ci_low)


def test_chord_iteration_matches_newton() -> None:
    i, j, out = _battles(np.array([0.4, 0.0, -0.4, 0.8]), 300, seed=5)
    wins = np.zeros((4, 4))
    np.add.at(wins, (i, j), out)
    np.add.at(wins, (j, i), 1.0 - out)
    rng = np.random.default_rng(0)
    batch = rng.poisson(np.broadcast_to(wins, (20, 4, 4))).astype(float)
    batch[:, np.arange(4), np.arange(4)] = 0.0
    theta = fit_bradley_terry(wins)
    h_inv = np.linalg.inv(btm._grad_hess(theta[None], wins[None])[1][0])
    chord, conv = btm._chord(batch, theta, h_inv, 1e-12)
    assert conv.all()
    np.testing.assert_allclose(chord, fit_bradley_terry(batch), atol=1e-8)


def test_nan_outcomes_dropped_and_bad_input() -> None:
    i, j, out = _battles(np.array([0.3, 0.0, -0.3]), 300, seed=6)
    base = bt_ratings((i, j, out), 3, n_resamples=20)
    with_nan = bt_ratings((np.r_[i, 0], np.r_[j, 1], np.r_[out, np.nan]), 3, n_resamples=20)
    np.testing.assert_allclose(base.ratings, with_nan.ratings)
    with pytest.raises(ValueError):
        bt_ratings((i, j, out), 2)
    with pytest.raises(ValueError):
        bt_ratings(([0], [1], [0.3]), 2)
    with pytest.raises(ValueError):
        bt_ratings(([0], [0], [1.0]), 2)


def test_grouped_prompts_and_coverage() -> None:
    truth = np.array([0.6, 0.2, 0.0, -0.3, -0.5])
    truth = truth - truth.mean()
    i, j, out = _battles(truth, 6000, seed=11, tie_rate=0.0)  # ties would attenuate theta
    prompts = np.arange(i.size) // 10  # 600 prompts, 10 judgments each
    r = bt_ratings((i, j, out), 5, n_resamples=300, seed=2, prompt_ids=prompts)
    again = bt_ratings((i, j, out), 5, n_resamples=300, seed=2, prompt_ids=prompts)
    np.testing.assert_array_equal(r.ci_low, again.ci_low)
    assert r.n_dropped == 0
    assert np.sum((r.ci_low <= truth) & (truth <= r.ci_high)) >= 4
    assert r.ranking.tolist() == [0, 1, 2, 3, 4]


def test_degenerate_resamples_are_dropped() -> None:
    # model 2 has a single win; some resamples lose it and have no MLE
    i = np.array([0, 0, 1, 1, 2, 2, 2, 0, 1])
    j = np.array([1, 1, 0, 0, 0, 1, 1, 2, 2])
    out = np.array([1, 0, 1, 0, 1, 0, 0.5, 1, 1], dtype=float)
    r = bt_ratings((i, j, out), 3, n_resamples=200, seed=0)
    assert r.n_dropped > 0 and r.n_resamples + r.n_dropped == 200
    assert np.all(np.isfinite(r.ci_low))
