"""Judge quality: agreement of a pairwise judge with human labels.

Pure numpy + standard library, no I/O. Every label is one of ``"A"``, ``"B"``,
``"tie"`` or ``"error"`` (judge output that could not be parsed); human labels are
``"A"``, ``"B"`` or ``"tie"``, or ``None`` for an example without a human label
(dropped before anything is computed).

Definitions (``n`` = examples with a human label; "backward" is the verdict of the
swapped-order game already mapped back to the original positions, so ``"A"`` always
means the original response A):

* :func:`reconcile` ``(forward, backward)``: ``"error"`` if either is ``"error"``;
  else the common label if both are equal; else ``"tie"``. So a judge that flips
  with the order, or says tie in one order, gets ``"tie"``.
* forward agreement *with ties*: share of the ``n`` examples where
  ``forward == human`` (a human tie is matched only by a judge tie).
* forward agreement *without ties*: the same over only the examples whose human
  label is not ``"tie"``; a judge ``"tie"`` (or ``"error"``) there counts as wrong.
* reconciled agreement *with / without ties*: the same with
  ``reconcile(forward, backward)`` in place of ``forward``. Without ties this is
  "both orders must agree with the human".
* position consistency: share of the ``n`` examples where ``forward == backward``
  and neither is ``"error"``.
* error rates: share of the ``n`` examples whose forward / backward / reconciled
  verdict is ``"error"``.
* confusion matrices: ``confusion[human][judge]`` counts, rows ``A, B, tie``
  (human), columns ``A, B, tie, error`` (judge), for forward, backward and reconciled.

Each share is reported as ``{"k", "n", "rate", "lo", "hi"}`` with a Wilson score
interval (no continuity correction, as ``statsmodels``' ``proportion_confint(method=
"wilson")`` and scipy's ``binomtest(...).proportion_ci(method="wilson")``); ``rate``,
``lo`` and ``hi`` are NaN when ``n == 0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from assay.stats.proportion import wilson_interval

__all__ = [
    "HUMAN_LABELS",
    "JUDGE_LABELS",
    "reconcile",
    "swap_label",
    "wilson_interval",
    "proportion",
    "confusion_matrix",
    "agreement_report",
]

HUMAN_LABELS = ("A", "B", "tie")
JUDGE_LABELS = ("A", "B", "tie", "error")
_SWAP = {"A": "B", "B": "A", "tie": "tie", "error": "error"}


def _check_judge(label: str) -> str:
    if label not in _SWAP:
        raise ValueError(f"judge label must be one of {JUDGE_LABELS}, got {label!r}")
    return label


def swap_label(label: str) -> str:
    """Map a verdict of the swapped game back to the original positions: A<->B; tie, error unchanged."""
    return _SWAP[_check_judge(label)]


def reconcile(forward: str, backward_mapped: str) -> str:
    """Combine the two orders: ``"error"`` if either is an error; the label if both are equal; else ``"tie"``."""
    _check_judge(forward)
    _check_judge(backward_mapped)
    if forward == "error" or backward_mapped == "error":
        return "error"
    if forward == backward_mapped:
        return forward
    return "tie"


def proportion(k: int, n: int, level: float = 0.95) -> dict:
    """``{"k", "n", "rate", "lo", "hi"}`` with the Wilson interval."""
    lo, hi = wilson_interval(int(k), int(n), level)
    return {"k": int(k), "n": int(n), "rate": (k / n) if n else math.nan, "lo": lo, "hi": hi}


def confusion_matrix(human: Sequence[str], judge: Sequence[str]) -> dict[str, dict[str, int]]:
    """``{human_label: {judge_label: count}}``, rows ``A, B, tie``, columns ``A, B, tie, error``."""
    if len(human) != len(judge):
        raise ValueError(f"length mismatch: {len(human)} human vs {len(judge)} judge labels")
    m = np.zeros((len(HUMAN_LABELS), len(JUDGE_LABELS)), dtype=np.int64)
    hi = {lab: i for i, lab in enumerate(HUMAN_LABELS)}
    ji = {lab: i for i, lab in enumerate(JUDGE_LABELS)}
    for h, j in zip(human, judge):
        if h not in hi:
            raise ValueError(f"human label must be one of {HUMAN_LABELS}, got {h!r}")
        m[hi[h], ji[_check_judge(j)]] += 1
    return {h: {j: int(m[a, b]) for b, j in enumerate(JUDGE_LABELS)} for a, h in enumerate(HUMAN_LABELS)}


def _agreement(h: np.ndarray, j: np.ndarray, level: float) -> dict:
    hit = h == j
    not_tie = h != "tie"
    return {
        "with_ties": proportion(int(hit.sum()), int(h.size), level),
        "without_ties": proportion(int((hit & not_tie).sum()), int(not_tie.sum()), level),
    }


def agreement_report(human: Sequence[str | None], forward: Sequence[str],
                     backward: Sequence[str] | None = None, *, level: float = 0.95) -> dict:
    """Agreement of a judge with human labels (definitions in the module docstring).

    ``backward`` holds the swapped-order verdicts already mapped back to the original
    positions (see :func:`swap_label`); without it the reconciled figures, position
    consistency and backward figures are ``None``.

    Returns ``{"n", "n_without_ties", "human_counts", "forward_agreement",
    "reconciled_agreement", "position_consistency", "error_rate", "confusion"}``, where
    ``forward_agreement`` and ``reconciled_agreement`` are ``{"with_ties", "without_ties"}``,
    ``error_rate`` is ``{"forward", "backward", "reconciled"}`` and ``confusion`` is
    ``{"forward", "backward", "reconciled"}``.
    """
    if len(forward) != len(human):
        raise ValueError(f"length mismatch: {len(human)} human vs {len(forward)} forward labels")
    if backward is not None and len(backward) != len(human):
        raise ValueError(f"length mismatch: {len(human)} human vs {len(backward)} backward labels")
    keep = [i for i, h in enumerate(human) if h is not None]
    for i in keep:
        if human[i] not in HUMAN_LABELS:
            raise ValueError(f"human label must be one of {HUMAN_LABELS} or None, got {human[i]!r}")
    h = np.array([human[i] for i in keep], dtype=object)
    f = np.array([_check_judge(forward[i]) for i in keep], dtype=object)
    n = int(h.size)
    not_tie = int((h != "tie").sum())

    out: dict = {
        "n": n,
        "n_without_ties": not_tie,
        "human_counts": {lab: int((h == lab).sum()) for lab in HUMAN_LABELS},
        "forward_agreement": _agreement(h, f, level),
        "reconciled_agreement": None,
        "position_consistency": None,
        "error_rate": {"forward": proportion(int((f == "error").sum()), n, level),
                       "backward": None, "reconciled": None},
        "confusion": {"forward": confusion_matrix(list(h), list(f)), "backward": None, "reconciled": None},
    }
    if backward is not None:
        b = np.array([_check_judge(backward[i]) for i in keep], dtype=object)
        r = np.array([reconcile(x, y) for x, y in zip(f, b)], dtype=object)
        consistent = (f == b) & (f != "error")
        out["reconciled_agreement"] = _agreement(h, r, level)
        out["position_consistency"] = proportion(int(consistent.sum()), n, level)
        out["error_rate"]["backward"] = proportion(int((b == "error").sum()), n, level)
        out["error_rate"]["reconciled"] = proportion(int((r == "error").sum()), n, level)
        out["confusion"]["backward"] = confusion_matrix(list(h), list(b))
        out["confusion"]["reconciled"] = confusion_matrix(list(h), list(r))
    return out
