"""The HELM/QuAC answer normaliser that lighteval applies for ``qem`` and ``f1_score_quasi``.

lighteval's ``helm_normalizer`` (``lighteval/metrics/normalizations.py``) splits the
text on every ``" "`` and ``"-"`` and, for each piece: lowercases it, deletes the
ASCII punctuation of :data:`string.punctuation`, replaces it by ``str(float(piece))``
when ``float()`` accepts it (``"1"`` becomes ``"1.0"`` and ``"1,000"`` ``"1000.0"``, but
``"1.0"`` becomes ``"10.0"`` since the point is deleted first; ``"Infinity"`` becomes
``"inf"``), replaces the words ``a``/``an``/``the`` by a space and collapses whitespace;
the non-empty pieces are joined with single spaces.

:func:`helm_normalize` follows the same per-piece steps and memoises the result
per piece (LRU, 65,536 pieces of at most 64 characters): answers reuse a small
vocabulary, so most pieces are looked up rather than recomputed. ``tests/metrics``
checks it on arbitrary text against a literal transcription of lighteval's function.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

__all__ = ["helm_normalize"]

_PUNCT = string.punctuation
_ASCII_PUNCT = _PUNCT.encode("ascii")
_PUNCT_RUN = re.compile("[" + re.escape(_PUNCT) + "]+")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_ARTICLE_WORDS = frozenset(("a", "an", "the"))
# float() accepts nothing without a decimal digit, "inf" or "nan" once punctuation is gone.
_NUMBERISH = re.compile(r"\d|inf|nan")


def _normalize_piece(piece: str) -> str:
    """lighteval's steps for one piece (no ``" "`` or ``"-"`` inside)."""
    if piece.isascii():
        piece = piece.lower().encode("ascii").translate(None, _ASCII_PUNCT).decode("ascii")
    else:
        piece = _PUNCT_RUN.sub("", piece.lower())
    if _NUMBERISH.search(piece) is not None:
        try:
            return str(float(piece))  # a float repr holds no article and no whitespace
        except ValueError:
            pass
    if piece.isalnum():
        # Only word characters (the underscore, the one other \w, is punctuation and
        # gone): \b can only fall at the ends, so the piece is an article or unchanged.
        return "" if piece in _ARTICLE_WORDS else piece
    return " ".join(_ARTICLES.sub(" ", piece).split())


_MEMO_MAX_CHARS = 64  # longer pieces are rare and not worth holding in the memo
_memo_normalize_piece = lru_cache(maxsize=1 << 16)(_normalize_piece)


def _piece(piece: str) -> str:
    if len(piece) > _MEMO_MAX_CHARS:
        return _normalize_piece(piece)
    return _memo_normalize_piece(piece)


def helm_normalize(text: str) -> str:
    """Lowercase, drop punctuation, unify numbers, drop articles, collapse whitespace."""
    pieces = text.replace("-", " ").split(" ")
    fn = _memo_normalize_piece if max(map(len, pieces)) <= _MEMO_MAX_CHARS else _piece
    return " ".join(filter(None, map(fn, pieces)))
