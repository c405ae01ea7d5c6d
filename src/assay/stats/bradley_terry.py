"""Bradley-Terry ratings from pairwise judgments, with a prompt bootstrap.

Model: ``P(i beats j) = sigmoid(theta_i - theta_j)``; ``theta`` are log-strengths,
centred so that ``mean(theta) == 0``. A tie counts as half a win each way.

* :func:`fit_bradley_terry` is the unregularised maximum-likelihood fit of a win
  matrix, by damped Newton steps on the (concave) log-likelihood, batched over a
  leading axis. The MLE exists iff the "beat" graph (edge ``i -> j`` when
  ``wins[i, j] > 0``) is strongly connected; otherwise it raises ``ValueError``
  (no prior is added).
* :func:`bt_ratings` fits battles ``(i, j, outcome)`` and bootstraps prompts:
  each resample draws as many prompts as there are, with replacement, and keeps
  all judgments of each drawn prompt. With one judgment per prompt (or no
  ``prompt_ids``) this is a multinomial draw over the distinct
  ``(pair, outcome)`` cells, which is what makes a million judgments cheap.
  Resamples whose MLE does not exist are dropped (counted in ``n_dropped``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assay.stats.bootstrap import DEFAULT_RESAMPLES, make_rng

__all__ = ["Ratings", "fit_bradley_terry", "mle_exists", "to_elo", "bt_ratings"]

_CHUNK = 100  # resamples fitted per batch

if TYPE_CHECKING:
    from scipy import sparse
# scipy.sparse is imported where it is used: ~0.1 s a process that has no judge to rate


def mle_exists(wins: np.ndarray) -> bool:
    """True iff the graph with an edge ``i -> j`` for ``wins[i, j] > 0`` is strongly connected."""
    w = np.asarray(wins, dtype=np.float64)
    if w.shape[0] <= 1:
        return True
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n_comp, _ = connected_components(sparse.csr_matrix(w > 0), directed=True, connection="strong")
    return n_comp == 1


def _loglik(theta: np.ndarray, w: np.ndarray) -> np.ndarray:
    d = theta[:, :, None] - theta[:, None, :]
    return -np.einsum("kij,kij->k", w, np.logaddexp(0.0, -d))


def _grad_hess(theta: np.ndarray, w: np.ndarray, hess: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient and centred negative Hessian (graph Laplacian + 1/n) of the log-likelihood."""
    n = theta.shape[1]
    games = w + np.swapaxes(w, 1, 2)
    p = 1.0 / (1.0 + np.exp(-(theta[:, :, None] - theta[:, None, :])))
    grad = w.sum(axis=2) - np.einsum("kij,kij->ki", games, p)
    if not hess:
        return grad, None
    weight = games * p * (1.0 - p)
    lap = -weight
    lap[:, np.arange(n), np.arange(n)] = weight.sum(axis=2)
    return grad, lap + 1.0 / n


def _chord(w: np.ndarray, theta0: np.ndarray, h_inv: np.ndarray, tol: float,
           max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps with one fixed inverse Hessian (no LAPACK per resample); returns (theta, converged)."""
    theta = np.repeat(theta0[None], w.shape[0], axis=0)
    done = np.zeros(w.shape[0], dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(~done)
        if idx.size == 0:
            break
        grad, _ = _grad_hess(theta[idx], w[idx], hess=False)
        step = np.einsum("ij,kj->ki", h_inv, grad)
        step -= step.mean(axis=1, keepdims=True)
        theta[idx] += step
        size = np.abs(step).max(axis=1)
        done[idx[size <= tol * (1.0 + np.abs(theta[idx]).max(axis=1))]] = True
        blown = ~np.isfinite(size) | (size > 50.0)
        theta[idx[blown]] = theta0
        done[idx[blown]] = False
        if blown.all():
            break
    return theta, done & np.isfinite(theta).all(axis=1)


def _newton(w: np.ndarray, max_iter: int, tol: float) -> np.ndarray:
    """Batched damped Newton; ``w`` is ``(k, n, n)``, every slice with an existing MLE."""
    k, n, _ = w.shape
    theta = np.zeros((k, n))
    ll = _loglik(theta, w)
    active = np.ones(k, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            return theta
        th = theta[idx]
        grad, hess = _grad_hess(th, w[idx])
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        step -= step.mean(axis=1, keepdims=True)
        scale = np.ones(idx.size)
        new = th + step
        new_ll = _loglik(new, w[idx])
        for _ in range(60):  # halve the steps that lower the log-likelihood
            bad = new_ll < ll[idx] - 1e-12 * np.abs(ll[idx])
            if not bad.any():
                break
            scale[bad] *= 0.5
            new[bad] = th[bad] + scale[bad, None] * step[bad]
            new_ll[bad] = _loglik(new[bad], w[idx][bad])
        theta[idx], ll[idx] = new, new_ll
        size = np.abs(scale[:, None] * step).max(axis=1)
        active[idx[size <= tol * (1.0 + np.abs(new).max(axis=1))]] = False
    raise RuntimeError(f"Bradley-Terry fit did not converge in {max_iter} iterations")


def fit_bradley_terry(wins: np.ndarray, *, max_iter: int = 10_000, tol: float = 1e-12) -> np.ndarray:
    """Unregularised Bradley-Terry MLE log-strengths, centred to mean 0.

    ``wins`` is ``(n, n)`` or a batch ``(k, n, n)``; ``wins[i, j]`` is how often
    ``i`` beat ``j`` (ties already added as 0.5 each way; the diagonal is ignored).
    Stops when the largest Newton step is at most ``tol * (1 + max|theta|)``.
    Raises ``ValueError`` when the MLE does not exist (see :func:`mle_exists`).
    """
    w = np.array(wins, dtype=np.float64)
    batched = w.ndim == 3
    w = w if batched else w[None]
    if w.ndim != 3 or w.shape[1] != w.shape[2]:
        raise ValueError(f"wins must be square (n, n) or (k, n, n), got shape {np.shape(wins)}")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("wins must be finite and non-negative")
    w[:, np.arange(w.shape[1]), np.arange(w.shape[1])] = 0.0
    for s in w:
        if not mle_exists(s):
            raise ValueError("Bradley-Terry MLE does not exist: some group of models never beat "
                             "(or tied) the rest, so the comparison graph is not strongly connected")
    theta = _newton(w, max_iter, tol)
    return theta if batched else theta[0]


def to_elo(log_strengths: np.ndarray, scale: float = 400.0, base: float = 10.0,
           init: float = 1000.0) -> np.ndarray:
    """Elo scale: ``init + scale * theta / ln(base)``, so ``P(i beats j) = 1 / (1 + base**((e_j - e_i) / scale))``."""
    return init + scale * np.asarray(log_strengths, dtype=np.float64) / np.log(base)


@dataclass(frozen=True)
class Ratings:
    """Bradley-Terry fit: log-strength ``ratings`` and ``elo`` with percentile bootstrap bounds.

    ``ranking`` lists model indices best first (ties broken by index).
    ``n_dropped`` counts resamples without an MLE, left out of the bounds.
    """

    ratings: np.ndarray
    elo: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    elo_low: np.ndarray
    elo_high: np.ndarray
    ranking: np.ndarray
    n_resamples: int
    n_dropped: int

    def table(self, names: list[str] | None = None) -> list[dict]:
        """Rows best first: ``rank, model, rating, ci_low, ci_high, elo, elo_low, elo_high``."""
        rows = []
        for rank, m in enumerate(self.ranking.tolist(), start=1):
            rows.append({"rank": rank, "model": names[m] if names is not None else m,
                         "rating": float(self.ratings[m]), "ci_low": float(self.ci_low[m]),
                         "ci_high": float(self.ci_high[m]), "elo": float(self.elo[m]),
                         "elo_low": float(self.elo_low[m]), "elo_high": float(self.elo_high[m])})
        return rows


def _cells(i: np.ndarray, j: np.ndarray, outcome: np.ndarray, n: int) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Cell code per battle and the ``(n*n, 3*n*n)`` map from cell counts to a flat win matrix."""
    from scipy import sparse

    lo, hi = np.minimum(i, j), np.maximum(i, j)
    o = np.where(i == lo, outcome, 1.0 - outcome)  # 1: lo wins, 0.5: tie, 0: hi wins
    code = (lo * n + hi) * 3 + np.rint(2.0 * (1.0 - o)).astype(np.int64)
    cells = np.arange(3 * n * n)
    pair, kind = cells // 3, cells % 3
    plo, phi = pair // n, pair % n
    to_lohi = np.array([1.0, 0.5, 0.0])[kind]
    rows = np.concatenate([plo * n + phi, phi * n + plo])
    mat = sparse.csr_matrix((np.concatenate([to_lohi, 1.0 - to_lohi]),
                             (rows, np.concatenate([cells, cells]))), shape=(n * n, 3 * n * n))
    return code, mat


def bt_ratings(battles: tuple[np.ndarray, np.ndarray, np.ndarray] | np.ndarray, n_models: int, *,
               n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, level: float = 0.95,
               prompt_ids: np.ndarray | None = None) -> Ratings:
    """Fit battles and bootstrap prompts (``Generator(PCG64(seed))``).

    ``battles`` is ``(i, j, outcome)`` (three arrays, or an ``(m, 3)`` array);
    ``outcome`` is 1 when model ``i`` won, 0 when ``j`` won, 0.5 for a tie; NaN
    outcomes (errors) are dropped. ``ci_low``/``ci_high`` are the ``(1-level)/2``
    and ``(1+level)/2`` percentiles (linear interpolation) of the centred resampled
    log-strengths. ``prompt_ids`` groups judgments by prompt (default: each its own).
    """
    if isinstance(battles, np.ndarray) and battles.ndim == 2 and battles.shape[1] == 3:
        battles = battles.T
    i, j, outcome = (np.asarray(a).ravel() for a in battles)
    outcome = outcome.astype(np.float64)
    if np.any(i != np.rint(i)) or np.any(j != np.rint(j)):
        raise ValueError("model indices must be integers")
    i, j = i.astype(np.int64), j.astype(np.int64)
    if not i.size == j.size == outcome.size:
        raise ValueError("i, j and outcome must have the same length")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    keep = ~np.isnan(outcome)
    if prompt_ids is not None:
        prompt_ids = np.asarray(prompt_ids).ravel()
        if prompt_ids.size != i.size:
            raise ValueError("prompt_ids must have one entry per battle")
        prompt_ids = prompt_ids[keep]
    i, j, outcome = i[keep], j[keep], outcome[keep]
    if i.size == 0:
        raise ValueError("no valid battles")
    if (i < 0).any() or (j < 0).any() or (i >= n_models).any() or (j >= n_models).any() or (i == j).any():
        raise ValueError("model indices must be distinct and in [0, n_models)")
    if not np.isin(outcome, (0.0, 0.5, 1.0)).all():
        raise ValueError("outcome must be 0, 0.5, 1 or NaN")
    n = int(n_models)
    code, to_wins = _cells(i, j, outcome, n)
    counts = np.bincount(code, minlength=3 * n * n).astype(np.float64)
    full = (to_wins @ counts).reshape(1, n, n)
    theta = fit_bradley_terry(full[0])
    used = np.flatnonzero(counts)
    to_wins = to_wins[:, used]
    h_inv = np.linalg.inv(_grad_hess(theta[None], full)[1][0])
    rng = make_rng(seed)
    if prompt_ids is None or np.unique(prompt_ids).size == prompt_ids.size:
        draw, groups, n_draw = None, counts[used] / counts.sum(), i.size
    else:
        _, pid = np.unique(prompt_ids, return_inverse=True)
        cell_of = np.searchsorted(used, code)
        n_draw = int(pid.max()) + 1
        from scipy import sparse

        draw = sparse.csr_matrix((np.ones(pid.size), (cell_of, pid)), shape=(used.size, n_draw))
        groups = np.full(n_draw, 1.0 / n_draw)
    fits = []
    for start in range(0, n_resamples, _CHUNK):
        k = min(_CHUNK, n_resamples - start)
        c = rng.multinomial(n_draw, groups, size=k).astype(np.float64)
        cell_counts = c.T if draw is None else draw @ c.T
        w = np.asarray(to_wins @ cell_counts).T.reshape(k, n, n)
        ok = np.array([mle_exists(s) for s in w])
        if ok.any():
            th, conv = _chord(w[ok], theta, h_inv, 1e-10)
            if not conv.all():
                th[~conv] = _newton(w[ok][~conv], 10_000, 1e-10)
            fits.append(th)
    boot = np.concatenate(fits) if fits else np.empty((0, n))
    tail = (1.0 - level) / 2.0 * 100.0
    if boot.shape[0]:
        lo, hi = np.percentile(boot, [tail, 100.0 - tail], axis=0)
    else:
        lo = hi = np.full(n, np.nan)
    return Ratings(ratings=theta, elo=to_elo(theta), ci_low=lo, ci_high=hi, elo_low=to_elo(lo),
                   elo_high=to_elo(hi), ranking=np.lexsort((np.arange(n), -theta)),
                   n_resamples=int(boot.shape[0]), n_dropped=n_resamples - int(boot.shape[0]))
