"""Confidence calibration of multiple-choice benchmark runs, over the choice probabilities.

Per item scored by log-likelihood:

* **choice probabilities** = softmax over the choices' log-likelihoods, ``p_j =
  exp(ll_j) / sum_k exp(ll_k)``: the *raw summed* log-likelihoods (natural log, summed over each
  continuation's tokens) that pick the answer for ``acc`` / ``mc1`` (not the length-normalised
  ones of ``acc_norm``). A choice whose log-likelihood is ``-inf`` gets probability 0; an item
  with no choices, a NaN or ``+inf`` log-likelihood, or every log-likelihood ``-inf`` gets none;
* **confidence** = the probability of the predicted choice (``pred_index``, the first argmax);
* **correct** = the predicted choice is a gold choice (``pred_index in gold_indices``; for
  ordinary multiple choice that is ``pred_index == gold_index``; for TruthfulQA mc2, whose
  primary metric is continuous, any true answer counts).

Per run, :func:`calibration_block` gives :func:`assay.stats.reliability.calibration_summary`
(ECE equal-width and equal-mass, Brier, AUROC with percentile-bootstrap intervals seeded by the
run seed, reliability bins) overall and per subtask, the ``k`` lowest-confidence items and the
overconfident errors (wrong with confidence >= ``threshold``, most confident first, at most
``k``). A run with no such item (generation benchmarks such as gsm8k, or multiple choice scored
by generation) gets ``{"skipped": reason}``. Deterministic: the same records give the same dict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ...stats.reliability import calibration_summary

__all__ = ["SOURCE", "K", "THRESHOLD", "choice_probabilities", "item_calibration",
           "CalibrationCollector", "calibration_block"]

SOURCE = ("softmax over the choices' summed log-likelihoods (the ones that pick the acc "
          "answer); confidence = probability of the predicted choice")
K = 10
"""How many lowest-confidence items and overconfident errors are listed."""
THRESHOLD = 0.8
"""An error with at least this confidence is overconfident."""

_SKIP_NONE = ("no item was scored by log-likelihood over its choices (generation benchmark or "
              "method generate), so there are no choice probabilities")
_SKIP_FAILED = "every item scored by log-likelihood failed or had no usable log-likelihoods"


def choice_probabilities(lls: Sequence[float] | None) -> list[float] | None:
    """Softmax of ``lls`` (max-subtracted), or None when it is undefined (see the module)."""
    if not lls:
        return None
    vals = [float(v) for v in lls]
    if any(math.isnan(v) or v == math.inf for v in vals):
        return None
    top = max(vals)
    if top == -math.inf:
        return None
    ex = [math.exp(v - top) for v in vals]
    total = math.fsum(ex)
    return [e / total for e in ex]


def item_calibration(lls: Sequence[float] | None,
                     pred_index: int | None) -> tuple[list[float] | None, float | None]:
    """``(choice_probs, confidence)`` of one item (Nones when undefined)."""
    probs = choice_probabilities(lls)
    if probs is None or pred_index is None or not 0 <= pred_index < len(probs):
        return probs, None
    return probs, probs[pred_index]


def _golds(rec: dict[str, Any]) -> list[int]:
    golds = rec.get("gold_indices") or []
    if not golds and isinstance(rec.get("gold_index"), int) and rec["gold_index"] >= 0:
        golds = [rec["gold_index"]]
    return [int(g) for g in golds]


def _text(choices: Sequence[Any], i: int | None) -> str | None:
    return str(choices[i]) if i is not None and 0 <= i < len(choices) else None


class CalibrationCollector:
    """Collects records in run order (``add``); :meth:`finish` returns the ``calibration``
    block. A record from before choice probabilities were stored gets them from its
    ``loglikelihoods`` here, by the same function."""

    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.n_loglikelihood = 0

    def add(self, rec: dict[str, Any]) -> None:
        self.items.setdefault(rec["subtask"], [])
        if rec.get("method") != "loglikelihood" or not rec.get("choices"):
            return
        self.n_loglikelihood += 1
        if rec.get("error") is not None:
            return
        pred = rec.get("pred_index")
        conf = rec.get("confidence")
        if conf is None:
            _, conf = item_calibration(rec.get("loglikelihoods"), pred)
        if conf is None:
            return
        golds = _golds(rec)
        choices = rec.get("choices") or []
        self.items[rec["subtask"]].append({
            "id": rec["id"], "subtask": rec["subtask"], "index": rec["index"],
            "confidence": float(conf), "correct": pred in golds,
            "pred_index": pred, "predicted": _text(choices, pred),
            "gold_indices": golds, "gold": rec.get("gold")})

    def finish(self, *, seed: int, n_boot: int, k: int = K,
               threshold: float = THRESHOLD) -> dict[str, Any]:
        return calibration_block(self.items, n_loglikelihood=self.n_loglikelihood, seed=seed,
                                 n_boot=n_boot, k=k, threshold=threshold)


def _summary(rows: list[dict[str, Any]], seed: int, n_boot: int) -> dict[str, Any]:
    return calibration_summary([r["confidence"] for r in rows],
                               [1.0 if r["correct"] else 0.0 for r in rows],
                               n_boot=n_boot, seed=seed)


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "subtask", "index", "confidence", "correct",
                                "pred_index", "predicted", "gold")}


def calibration_block(items: dict[str, list[dict[str, Any]]], *, n_loglikelihood: int,
                      seed: int, n_boot: int, k: int = K,
                      threshold: float = THRESHOLD) -> dict[str, Any]:
    """The ``calibration`` entry of metrics.json from the per-subtask item rows (run order)."""
    rows = [r for sub in items.values() for r in sub]
    if not rows:
        return {"skipped": _SKIP_FAILED if n_loglikelihood else _SKIP_NONE}
    subtasks: dict[str, Any] = {}
    for sub, sub_rows in items.items():
        subtasks[sub] = _summary(sub_rows, seed, n_boot) if sub_rows else \
            {"skipped": "no item of this subtask has choice probabilities"}
    lowest = sorted(rows, key=lambda r: (r["confidence"], r["index"]))[:k]
    over = sorted((r for r in rows if not r["correct"] and r["confidence"] >= threshold),
                  key=lambda r: (-r["confidence"], r["index"]))
    return {"source": SOURCE, "n_items": n_loglikelihood,
            "n_without_confidence": n_loglikelihood - len(rows),
            "overall": _summary(rows, seed, n_boot), "subtasks": subtasks,
            "k": k, "overconfident_threshold": threshold,
            "n_overconfident_errors": len(over),
            "lowest_confidence": [_listed(r) for r in lowest],
            "overconfident_errors": [_listed(r) for r in over[:k]]}
