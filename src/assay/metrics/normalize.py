"""The HELM/QuAC answer normaliser that lighteval applies for ``qem`` and ``f1_score_quasi``.

lighteval's ``helm_normalizer`` (``lighteval/metrics/normalizations.py``) splits the
text on every ``" "`` and ``"-"`` and, for each piece: lowercases it, deletes the
ASCII punctuation of :data:`string.punctuation`, replaces it by ``str(float(piece))``
when ``float()`` accepts it (so ``"1"`` and ``"1.0"`` both become ``"1.0"``, and
``"1,000"`` becomes ``"1000.0"``), replaces the words ``a``/``an``/``the`` by a space,
and collapses whitespace; the non-empty pieces are joined with single spaces.

:func:`helm_normalize` gives the same strings with whole-text operations, which is
equivalent because the pieces are separated by ``" "`` (never case-ignorable, never
a word character, so lowercasing, ``\\b`` and whitespace collapsing see the same
boundaries); only the number step is done per piece, and only on pieces that
contain a decimal digit or ``inf``/``nan`` (the only strings ``float()`` accepts
once punctuation is gone). ``tests/metrics`` checks the equivalence on arbitrary
text against a literal transcription of lighteval's function.
"""

from __future__ import annotations

import re
import string

__all__ = ["helm_normalize"]

_DROP_PUNCT = str.maketrans("-", " ", string.punctuation.replace("-", ""))
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_ARTICLE_WORDS = frozenset(("a", "an", "the"))
_NUMBERISH = re.compile(r"\d|inf|nan")


def _homogenize_numbers(text: str) -> str:
    pieces = text.split(" ")
    for i, piece in enumerate(pieces):
        if _NUMBERISH.search(piece) is not None:
            try:
                pieces[i] = str(float(piece))
            except ValueError:
                pass
    return " ".join(pieces)


def helm_normalize(text: str) -> str:
    """Lowercase, drop punctuation, unify numbers, drop articles, collapse whitespace."""
    text = text.lower().translate(_DROP_PUNCT)
    if _NUMBERISH.search(text) is not None:
        text = _homogenize_numbers(text)
    words = text.split()
    if "".join(words).isalnum():
        # Every word is made of word characters only (``\w`` is ``str.isalnum()`` plus
        # the underscore, which is punctuation and already gone), so ``\b`` falls
        # exactly at the word edges: an article is a whole word.
        if _ARTICLE_WORDS.isdisjoint(words):
            return " ".join(words)
        return " ".join([w for w in words if w not in _ARTICLE_WORDS])
    return " ".join(_ARTICLES.sub(" ", text).split())
