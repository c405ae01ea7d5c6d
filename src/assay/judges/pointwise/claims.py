"""Statements of a text, for the judge metrics that check one statement at a time
(Faithfulness, ContextCoverage, CitationCoverage).

A deterministic rule-based splitter, no model: the text is cut after ``.``, ``!`` or ``?``
followed by whitespace, and at line breaks (list items and paragraphs); a piece without a
letter or digit is dropped; a piece of fewer than :data:`MIN_WORDS` words is joined to the
one before it (so "e.g. this" or a stray "Yes." attached to a sentence stays whole). Each
statement keeps its character offsets in the text, so a citation span can be matched to it.
Abbreviations followed by a capital ("Dr. Smith") may be split; the judge still sees the
whole sentence's two halves, each judged on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Statement", "split_claims", "MIN_WORDS"]

#: a piece shorter than this is joined to the previous statement
MIN_WORDS = 3

_BREAK = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*")
_WORD = re.compile(r"\w", re.UNICODE)
_BULLET = re.compile(r"^(?:[-*\u2022]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: its text and its ``[start, end)`` offsets in the source text."""

    text: str
    start: int
    end: int


def split_claims(text: str | None) -> tuple[Statement, ...]:
    """The statements of ``text`` in order (empty for an empty text)."""
    if not text or not text.strip():
        return ()
    pieces: list[list[int]] = []
    pos = 0
    for m in _BREAK.finditer(text):
        pieces.append([pos, m.start()])
        pos = m.end()
    pieces.append([pos, len(text)])
    out: list[list[int]] = []
    for start, end in pieces:
        chunk = text[start:end].strip()
        if not chunk or not _WORD.search(chunk):
            continue
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        start += lead
        bullet = _BULLET.match(text[start:end])
        if bullet:
            start += bullet.end()
        words = len(text[start:end].split())
        if out and words < MIN_WORDS:
            out[-1][1] = end
        else:
            out.append([start, end])
    if len(out) > 1 and len(text[out[0][0]:out[0][1]].split()) < MIN_WORDS:
        out[1][0] = out[0][0]   # a short first piece joins the next one
        out.pop(0)
    return tuple(Statement(text[s:e].strip(), s, s + len(text[s:e].rstrip()))
                 for s, e in out)
