"""Test oracle: a literal, slow restatement of lighteval's gen_qa metric definitions.

Written from lighteval's ``metrics_sample.py`` (``ExactMatches``, ``F1_score``) and
``normalizations.py`` (``helm_normalizer``) so that the fast implementations in
``assay.metrics`` can be compared with the original step order on arbitrary text.
Not used by the package.
"""

from __future__ import annotations

import re
import string

_PUNCT = set(string.punctuation)


def helm_normalizer(text: str) -> str:
    """Per piece of ``re.split(" |-")``: lower, drop punctuation, float(), articles, whitespace."""
    out = []
    for piece in re.split(" |-", text):
        piece = piece.lower()
        piece = "".join(ch for ch in piece if ch not in _PUNCT)
        try:
            piece = str(float(piece))
        except ValueError:
            pass
        piece = re.sub(r"\b(a|an|the)\b", " ", piece)
        piece = " ".join(piece.split())
        out.append(piece)
    return " ".join(p for p in out if p != "").strip()


def exact_matches(gold: str, pred: str, *, normalize=None, strip: bool = True) -> int:
    """``ExactMatches.compute_one_item`` with type ``full``."""
    if not pred:
        return 0
    if strip:
        gold, pred = gold.strip(), pred.strip()
    if normalize is not None:
        gold, pred = normalize(gold), normalize(pred)
    return 1 if gold == pred else 0


def _f_measure(reference: set, test: set, alpha: float = 0.5):
    """``nltk.scores.f_measure`` (returns None when either set is empty)."""
    if len(test) == 0 or len(reference) == 0:
        return None
    p = len(reference.intersection(test)) / len(test)
    r = len(reference.intersection(test)) / len(reference)
    if p == 0 or r == 0:
        return 0
    return 1.0 / (alpha / p + (1 - alpha) / r)


def f1_score(gold: str, pred: str, *, normalize=None) -> float:
    """``F1_score.compute_one_item``: set-of-words F1, None mapped to 0.0."""
    if normalize is not None:
        gold, pred = normalize(gold), normalize(pred)
    try:  # prefer nltk itself when it is installed
        from nltk.scores import f_measure
    except ImportError:  # pragma: no cover - depends on the environment
        f_measure = _f_measure
    ret = f_measure(set(gold.split()), set(pred.split()))
    return 0.0 if ret is None else ret


def lighteval_gen_qa(pred: str, gold: str) -> dict[str, float]:
    """em, qem, f1, f1_score_quasi for one pair, as lighteval computes them."""
    return {
        "em": float(exact_matches(gold, pred)),
        "qem": float(exact_matches(gold, pred, normalize=helm_normalizer)),
        "f1": float(f1_score(gold, pred)),
        "f1_score_quasi": float(f1_score(gold, pred, normalize=helm_normalizer)),
    }
