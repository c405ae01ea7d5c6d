"""Exact match (``em``) and quasi exact match (``qem``), as lighteval computes them.

lighteval ``ExactMatches.compute_one_item`` (``metrics_sample.py``):

1. an empty prediction (``not pred``, checked *before* stripping) scores 0;
2. with ``strip_strings=True`` both strings are ``.strip()``-ed;
3. the normalisers, if any, are applied to each side;
4. the score is 1 when the two strings are equal, else 0.

``em`` is ``ExactMatches(strip_strings=True)``; ``qem`` is
``ExactMatches(strip_strings=True, normalize_gold=helm_normalizer,
normalize_pred=helm_normalizer)`` (see :mod:`assay.metrics.normalize`).
A whitespace-only prediction is not empty, so it matches a whitespace-only gold.
"""

from __future__ import annotations

from assay.metrics.normalize import helm_normalize

__all__ = ["exact_match", "quasi_exact_match"]


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when the stripped prediction equals the stripped gold, else 0.0."""
    if not prediction:
        return 0.0
    return 1.0 if prediction.strip() == gold.strip() else 0.0


def quasi_exact_match(prediction: str, gold: str) -> float:
    """1.0 when both sides are equal after stripping and HELM normalisation."""
    if not prediction:
        return 0.0
    return 1.0 if helm_normalize(prediction.strip()) == helm_normalize(gold.strip()) else 0.0
