"""Rubric-judge calibration and score distributions.

Pure numpy + standard library, no I/O. ``score_margin`` is the rubric judge's signed margin in
``[-1, 1]``: positive means A is better, negative means B is better, 0 means no preference.

Definitions:

* :func:`margin_buckets`: examples are bucketed by ``|margin|`` using ``edges``; bucket ``i`` is
  ``[edges[i], edges[i+1])``, the last one closed ``[edges[-2], edges[-1]]``. ``correct[i]`` says
  whether the judge's preferred label matched the human label. Examples with a missing/NaN margin
  or a missing (``None``/NaN) ``correct`` are skipped, as are ``|margin|`` values outside
  ``[edges[0], edges[-1]]``. Accuracy is ``n_correct / n`` with a Wilson 95% interval
  (:func:`assay.stats.agreement.wilson_interval`); NaN when ``n == 0``.
* :func:`reliability_table`: ``p = (margin + 1) / 2`` (clipped to ``[0, 1]``) is read as the
  judge's implied probability that A is better. The outcome ``y`` is 1 for a human ``"A"``, 0 for
  ``"B"``; a human ``"tie"`` is ``y = 0.5`` with ``ties="half"`` (the default, the same convention
  as a win rate counting a tie as half a win) or dropped with ``ties="exclude"``. Human ``None``
  (unlabelled) and NaN margins are dropped. ``p`` is binned into ``n_bins`` equal-width bins on
  ``[0, 1]`` (``[k/n, (k+1)/n)``, the last closed). Per bin: ``mean_predicted`` = mean ``p``,
  ``observed`` = mean ``y``, ``n``.

  - ECE (expected calibration error) = ``sum_b (n_b / N) * |observed_b - mean_predicted_b|`` over
    non-empty bins, ``N`` = examples used.
  - Brier score = ``mean_i (p_i - y_i) ** 2`` over the same ``N`` examples.

  Both are NaN when ``N == 0``.
* :func:`score_distributions`: per criterion (first-seen order), counts of A's and B's scores
  (``1..5`` always present for ``"scale"`` criteria, ``True``/``False`` for ``"binary"``), the
  number of examples having the criterion, the mean of its finite weights, and mean scores.
* :func:`margin_histogram`: ``np.histogram`` of finite margins over ``range`` (right edge
  inclusive); NaN and out-of-range values are counted in ``n_dropped``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from assay.stats.agreement import wilson_interval
from assay.stats.intervals import finite_or_none as _finite

__all__ = [
    "DEFAULT_EDGES",
    "SCALE_VALUES",
    "margin_buckets",
    "margin_histogram",
    "reliability_table",
    "score_distributions",
]

DEFAULT_EDGES = (0.0, 0.1, 0.25, 0.5, 1.0)
SCALE_VALUES = (1, 2, 3, 4, 5)
_HUMAN_Y = {"A": 1.0, "B": 0.0, "tie": 0.5}


# ----------------------------------------------------------------------------- helpers


def _as_bool(v: Any) -> bool | None:
    """A truth value (bool, 0/1, numpy bool, "true"/"false"/"yes"/"no"), or None if missing/invalid."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("true", "yes", "y", "1", "pass"):
            return True
        if s in ("false", "no", "n", "0", "fail"):
            return False
        return None
    f = _finite(v)
    if f is None:
        return None
    if f == 1.0:
        return True
    if f == 0.0:
        return False
    return None


def _check_edges(edges: Sequence[float]) -> np.ndarray:
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or e.size < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise ValueError(f"edges must be >= 2 finite, strictly increasing numbers, got {edges!r}")
    return e


def _bin_index(x: float, e: np.ndarray) -> int | None:
    """Index of the bin of ``x`` in edges ``e`` (half-open, last bin closed), or None if outside."""
    if x < e[0] or x > e[-1]:
        return None
    if x == e[-1]:
        return len(e) - 2
    return int(np.searchsorted(e, x, side="right")) - 1


# ----------------------------------------------------------------------------- margins
def margin_buckets(margins: Sequence[Any], correct: Sequence[Any], *,
                   edges: Sequence[float] = DEFAULT_EDGES) -> list[dict]:
    """Judge accuracy against humans by ``|score_margin|`` bucket.

    Returns one dict per bucket: ``lo``, ``hi``, ``n``, ``n_correct``, ``accuracy``,
    ``acc_lo``, ``acc_hi`` (Wilson 95%), ``mean_abs_margin`` (NaN for an empty bucket).
    """
    if len(margins) != len(correct):
        raise ValueError(f"length mismatch: {len(margins)} margins vs {len(correct)} correct flags")
    e = _check_edges(edges)
    nb = len(e) - 1
    n = [0] * nb
    k = [0] * nb
    s = [0.0] * nb
    for m, c in zip(margins, correct):
        mf = _finite(m)
        cb = _as_bool(c)
        if mf is None or cb is None:
            continue
        a = abs(mf)
        i = _bin_index(a, e)
        if i is None:
            continue
        n[i] += 1
        k[i] += int(cb)
        s[i] += a
    out = []
    for i in range(nb):
        lo, hi = wilson_interval(k[i], n[i])
        out.append({
            "lo": float(e[i]), "hi": float(e[i + 1]), "n": n[i], "n_correct": k[i],
            "accuracy": (k[i] / n[i]) if n[i] else math.nan,
            "acc_lo": lo, "acc_hi": hi,
            "mean_abs_margin": (s[i] / n[i]) if n[i] else math.nan,
        })
    return out


def reliability_table(margins: Sequence[Any], human_labels: Sequence[Any], *, n_bins: int = 5,
                      ties: str = "half") -> dict:
    """Reliability of ``p = (margin + 1) / 2`` as P(A better) against human labels.

    Returns ``{"bins": [{"lo", "hi", "n", "mean_predicted", "observed", "gap"}, ...],
    "n", "n_ties", "ece", "brier", "ties"}``; ``gap = observed - mean_predicted`` (NaN when empty).
    ``n_ties`` is the number of human ties used (``ties="half"``) or dropped (``"exclude"``).
    """
    if len(margins) != len(human_labels):
        raise ValueError(f"length mismatch: {len(margins)} margins vs {len(human_labels)} labels")
    if ties not in ("half", "exclude"):
        raise ValueError(f"ties must be 'half' or 'exclude', got {ties!r}")
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    n_bins = int(n_bins)
    ps: list[float] = []
    ys: list[float] = []
    n_ties = 0
    for m, h in zip(margins, human_labels):
        if h is None or (isinstance(h, float) and math.isnan(h)):
            continue
        if h not in _HUMAN_Y:
            raise ValueError(f"human label must be one of ('A', 'B', 'tie') or None, got {h!r}")
        mf = _finite(m)
        if mf is None:
            continue
        if h == "tie":
            n_ties += 1
            if ties == "exclude":
                continue
        ps.append(min(1.0, max(0.0, (mf + 1.0) / 2.0)))
        ys.append(_HUMAN_Y[h])
    p = np.asarray(ps, dtype=float)
    y = np.asarray(ys, dtype=float)
    e = np.asarray([k / n_bins for k in range(n_bins + 1)], dtype=float)
    idx = np.asarray([_bin_index(float(v), e) for v in p], dtype=np.int64)
    bins = []
    ece = 0.0
    N = int(p.size)
    for b in range(n_bins):
        sel = idx == b
        nb = int(sel.sum())
        if nb:
            mp = float(p[sel].mean())
            ob = float(y[sel].mean())
            ece += nb / N * abs(ob - mp)
        else:
            mp = ob = math.nan
        bins.append({"lo": float(e[b]), "hi": float(e[b + 1]), "n": nb, "mean_predicted": mp,
                     "observed": ob, "gap": ob - mp if nb else math.nan})
    return {
        "bins": bins,
        "n": N,
        "n_ties": n_ties,
        "ties": ties,
        "ece": float(ece) if N else math.nan,
        "brier": float(np.mean((p - y) ** 2)) if N else math.nan,
    }


def margin_histogram(margins: Iterable[Any], bins: int = 10,
                     range: tuple[float, float] = (-1.0, 1.0)) -> dict:
    """``{"edges", "counts", "n", "n_dropped"}``: histogram of finite margins within ``range``."""
    if int(bins) != bins or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    lo, hi = float(range[0]), float(range[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"range must be finite with lo < hi, got {range!r}")
    vals = [_finite(m) for m in margins]
    total = len(vals)
    x = np.asarray([v for v in vals if v is not None and lo <= v <= hi], dtype=float)
    counts, edges = np.histogram(x, bins=int(bins), range=(lo, hi))
    return {
        "edges": [float(v) for v in edges],
        "counts": [int(c) for c in counts],
        "n": int(x.size),
        "n_dropped": total - int(x.size),
    }


# ----------------------------------------------------------------------------- criteria
def _infer_type(entry: dict) -> str:
    t = entry.get("type")
    if t in ("scale", "binary"):
        return t
    sa, sb = entry.get("score_A"), entry.get("score_B")
    if isinstance(sa, (bool, np.bool_)) or isinstance(sb, (bool, np.bool_)):
        return "binary"
    return "scale"


def score_distributions(breakdowns: Sequence[Any]) -> dict:
    """Per criterion name (first-seen order)::

        {"type": "scale"|"binary", "n": examples having it,
         "counts_A": {score: count}, "counts_B": {score: count},
         "n_missing_A", "n_missing_B" (missing or invalid scores),
         "mean_A", "mean_B" (mean score; share of True for binary; NaN if none),
         "mean_weight" (mean finite weight; NaN if none)}

    Scale keys are ``1..5`` (always present) plus any other integer score seen; binary keys are
    ``True`` and ``False``. A criterion's type is its first valid ``type`` field (else inferred
    from bool scores). Non-dict breakdowns (e.g. ``None`` for a failed judgment) are skipped.
    """
    acc: dict[str, dict] = {}
    for bd in breakdowns or ():
        if not isinstance(bd, dict):
            continue
        for name, entry in bd.items():
            if not isinstance(entry, dict):
                continue
            key = str(name)
            if key not in acc:
                t = _infer_type(entry)
                base = {v: 0 for v in SCALE_VALUES} if t == "scale" else {True: 0, False: 0}
                acc[key] = {"type": t, "n": 0, "counts_A": dict(base), "counts_B": dict(base),
                            "n_missing_A": 0, "n_missing_B": 0, "_w": [], "_sA": [], "_sB": []}
            c = acc[key]
            c["n"] += 1
            w = _finite(entry.get("weight"))
            if w is not None:
                c["_w"].append(w)
            for side in ("A", "B"):
                raw = entry.get(f"score_{side}")
                if c["type"] == "binary":
                    v = _as_bool(raw)
                    if v is None:
                        c[f"n_missing_{side}"] += 1
                        continue
                    c[f"counts_{side}"][v] += 1
                    c[f"_s{side}"].append(float(v))
                else:
                    f = _finite(raw)
                    if f is None or f != int(f):
                        c[f"n_missing_{side}"] += 1
                        continue
                    iv = int(f)
                    c[f"counts_{side}"][iv] = c[f"counts_{side}"].get(iv, 0) + 1
                    c[f"_s{side}"].append(f)
    out: dict[str, dict] = {}
    for key, c in acc.items():
        if c["type"] == "scale":
            for side in ("A", "B"):
                c[f"counts_{side}"] = dict(sorted(c[f"counts_{side}"].items()))
        out[key] = {
            "type": c["type"], "n": c["n"],
            "counts_A": c["counts_A"], "counts_B": c["counts_B"],
            "n_missing_A": c["n_missing_A"], "n_missing_B": c["n_missing_B"],
            "mean_A": float(np.mean(c["_sA"])) if c["_sA"] else math.nan,
            "mean_B": float(np.mean(c["_sB"])) if c["_sB"] else math.nan,
            "mean_weight": float(np.mean(c["_w"])) if c["_w"] else math.nan,
        }
    return out
