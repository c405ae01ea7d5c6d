"""Token F1 (``f1``) and its normalised variant (``f1_score_quasi``), as lighteval computes them.

lighteval ``F1_score.compute_one_item`` (``metrics_sample.py``) takes the *sets* of
whitespace tokens (``set(text.split())``) of gold and prediction, after the optional
normalisers, and returns ``nltk.scores.f_measure(gold_set, pred_set)`` or ``0.0``
when that is ``None``. ``nltk.scores.f_measure`` with its default ``alpha=0.5`` is
``1 / (alpha / p + (1 - alpha) / r)`` with ``p = |G & P| / |P|``, ``r = |G & P| / |G|``;
it is ``None`` when either set is empty (so two empty texts score 0.0, not 1.0)
and 0 when the sets do not intersect. Repeated words count once.

``f1`` applies no normalisation (not even lowercasing); ``f1_score_quasi`` applies
:func:`assay.metrics.normalize.helm_normalize` to both sides first.
"""

from __future__ import annotations

from assay.metrics.normalize import helm_normalize

__all__ = ["set_f1", "token_f1", "quasi_token_f1"]


def set_f1(gold_tokens: set[str], pred_tokens: set[str]) -> float:
    """nltk's ``f_measure`` of two token sets, with ``None`` mapped to 0.0."""
    if not gold_tokens or not pred_tokens:
        return 0.0
    common = len(gold_tokens & pred_tokens)
    if common == 0:
        return 0.0
    precision = common / len(pred_tokens)
    recall = common / len(gold_tokens)
    return 1.0 / (0.5 / precision + 0.5 / recall)


def token_f1(prediction: str, gold: str) -> float:
    """F1 over the sets of whitespace tokens, no normalisation."""
    return set_f1(set(gold.split()), set(prediction.split()))


def quasi_token_f1(prediction: str, gold: str) -> float:
    """F1 over the sets of whitespace tokens after HELM normalisation."""
    return set_f1(set(helm_normalize(gold).split()), set(helm_normalize(prediction).split()))
