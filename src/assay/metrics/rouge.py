"""ROUGE-1, ROUGE-2 and ROUGE-L F-measures, equal to Google's ``rouge-score`` package.

Matches ``rouge_scorer.RougeScorer([...], use_stemmer=False)`` with its default
tokenizer, ``score(target=gold, prediction=pred)[type].fmeasure`` (what lighteval's
``ROUGE`` metric reports for one gold):

* tokens: the text is lowercased and every maximal run of ``[a-z0-9]`` is a token
  (``rouge_score.tokenize``: lowercase, non-``[a-z0-9]`` runs become spaces, split,
  drop empty tokens), so non-ASCII letters never form tokens;
* ROUGE-N: clipped n-gram overlap ``o``; ``p = o / max(#pred n-grams, 1)``,
  ``r = o / max(#gold n-grams, 1)``;
* ROUGE-L: ``l`` = longest common subsequence of the token lists; ``p = l / #pred``,
  ``r = l / #gold``, and 0 when either side has no tokens;
* F-measure ``2 p r / (p + r)``, or 0.0 when ``p + r == 0``.

The LCS length uses the bit-parallel algorithm of Allison & Dix (1986) in the
formulation of Crochemore et al. (2001) / Hyyrö (2004) over Python integers:
``O(n * ceil(m / w))`` word operations instead of the ``O(n m)`` Python-level DP table.
The floating-point operations are the same as rouge-score's, so values are identical.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = [
    "rouge_tokenize",
    "lcs_length",
    "rouge_n_fmeasure",
    "rouge_l_fmeasure",
    "rouge_fmeasures",
    "fmeasure",
]

_TOKEN = re.compile(r"[a-z0-9]+")


def rouge_tokenize(text: str) -> list[str]:
    """rouge-score's default tokenisation (no stemming)."""
    return _TOKEN.findall(text.lower())


def fmeasure(precision: float, recall: float) -> float:
    """Harmonic mean as ``rouge_score.scoring.fmeasure`` computes it."""
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists (bit-parallel)."""
    if len(a) < len(b):
        a, b = b, a  # bits run over the longer list, the Python loop over the shorter
    if not b:
        return 0
    masks: dict[str, int] = {}
    bit = 1
    for tok in a:
        masks[tok] = masks.get(tok, 0) | bit
        bit <<= 1
    full = bit - 1
    v = full
    get = masks.get
    for tok in b:
        m = get(tok)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _ngram_counts(tokens: list[str], n: int) -> Counter:
    if n == 1:
        return Counter(tokens)
    return Counter(zip(*(tokens[i:] for i in range(n))))


def rouge_n_fmeasure(pred_tokens: list[str], gold_tokens: list[str], n: int) -> float:
    """ROUGE-N F-measure of two token lists."""
    pred = _ngram_counts(pred_tokens, n)
    gold = _ngram_counts(gold_tokens, n)
    overlap = 0
    for gram in pred.keys() & gold.keys():
        a, b = pred[gram], gold[gram]
        overlap += a if a < b else b
    precision = overlap / max(max(len(pred_tokens) - n + 1, 0), 1)
    recall = overlap / max(max(len(gold_tokens) - n + 1, 0), 1)
    return fmeasure(precision, recall)


def rouge_l_fmeasure(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    """ROUGE-L (sentence-level LCS) F-measure of two token lists."""
    if not pred_tokens or not gold_tokens:
        return 0.0
    lcs = lcs_length(gold_tokens, pred_tokens)
    return fmeasure(lcs / len(pred_tokens), lcs / len(gold_tokens))


def _clipped_overlap(pred_tokens: list[str], gold_tokens: list[str], n: int) -> int:
    remaining = _ngram_counts(gold_tokens, n)
    get = remaining.get
    overlap = 0
    grams = pred_tokens if n == 1 else zip(*(pred_tokens[i:] for i in range(n)))
    for gram in grams:
        left = get(gram)
        if left:
            remaining[gram] = left - 1
            overlap += 1
    return overlap


def rouge_fmeasures(pred_tokens: list[str], gold_tokens: list[str]) -> tuple[float, float, float]:
    """``(rouge1, rouge2, rougeL)`` F-measures, sharing work between the three.

    Same values as :func:`rouge_n_fmeasure` (n = 1, 2) and :func:`rouge_l_fmeasure`;
    with no shared token, all three are 0 without building bigrams or the LCS.
    """
    n_pred, n_gold = len(pred_tokens), len(gold_tokens)
    if n_pred == 0 or n_gold == 0:
        return 0.0, 0.0, 0.0
    if pred_tokens == gold_tokens:
        return 1.0, (1.0 if n_pred > 1 else 0.0), 1.0
    pred, gold = Counter(pred_tokens), Counter(gold_tokens)
    overlap1 = 0
    for gram in pred.keys() & gold.keys():
        a, b = pred[gram], gold[gram]
        overlap1 += a if a < b else b
    if overlap1 == 0:
        return 0.0, 0.0, 0.0
    r1 = fmeasure(overlap1 / n_pred, overlap1 / n_gold)
    overlap2 = _clipped_overlap(pred_tokens, gold_tokens, 2) if n_pred > 1 and n_gold > 1 else 0
    r2 = fmeasure(overlap2 / max(n_pred - 1, 1), overlap2 / max(n_gold - 1, 1))
    lcs = lcs_length(gold_tokens, pred_tokens)
    return r1, r2, fmeasure(lcs / n_pred, lcs / n_gold)
