"""How a retrieved passage matches a reference context (or another passage), for the
model-free retrieval metrics and the citation checks.

**The rule.**

1. **By id** when both sides have an id: the passage matches iff the ids are equal strings
   (no normalisation), or the reference's id names the document the passage is a chunk of
   (the passage's ``metadata["doc"]``, which ``assay kb`` writes on every chunk: a reference
   context ``{"metadata": {"id": "p12"}}`` matches chunks ``p12#0`` and ``p12#1``). Text is
   then not looked at.
2. **Otherwise by normalised text.** :func:`normalise_passage` applies Unicode NFKC, casefolds,
   turns every punctuation character (Unicode category ``P*``) into a space and collapses runs
   of whitespace; the tokens are the whitespace-separated words of that. The two sides match
   when

   * their normalised texts are equal (two empty texts do not match), or
   * the shorter side has at least :data:`MIN_OVERLAP_TOKENS` (3) tokens and the token
     *overlap coefficient* ``|A ∩ B| / min(|A|, |B|)`` (multiset intersection, so a repeated
     word counts as often as it occurs on both sides) is at least ``threshold``
     (:data:`DEFAULT_MATCH_THRESHOLD`, 0.8).

   So a retrieved chunk that is part of a reference passage, or contains it, matches (all of
   the shorter side's tokens are in the longer one), a lightly re-worded or re-chunked copy
   matches, and an unrelated passage sharing a few common words does not. Short texts (one or
   two tokens) only match exactly, since one shared word would otherwise be a 100% overlap.

**Credit.** :func:`matched_references` assigns passages to reference contexts in rank order:
each passage takes the first reference context (in the reference order) that it matches and
that no higher-ranked passage has taken; a passage whose only matches are already taken gets
none, as trec_eval scores a document retrieved twice once. :func:`relevance_gains` turns that
into the gain (the reference context's relevance, 0 for no match) of every retrieved passage.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from assay.data.rag_records import Passage, ReferenceContext

__all__ = ["DEFAULT_MATCH_THRESHOLD", "MIN_OVERLAP_TOKENS", "normalise_passage",
           "passage_tokens", "overlap_coefficient", "texts_match", "passages_match",
           "matched_references", "relevance_gains"]

#: the least token overlap coefficient for two texts to match
DEFAULT_MATCH_THRESHOLD = 0.8

#: the least number of tokens the shorter text needs for the overlap rule (else: equality)
MIN_OVERLAP_TOKENS = 3


def normalise_passage(text: str) -> str:
    """NFKC, casefold, punctuation to spaces, whitespace collapsed and stripped."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    spaced = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in folded)
    return " ".join(spaced.split())


def passage_tokens(text: str) -> list[str]:
    """The tokens of :func:`normalise_passage` ``(text)``."""
    return normalise_passage(text).split()


def overlap_coefficient(a: Sequence[str], b: Sequence[str]) -> float:
    """``|A ∩ B| / min(|A|, |B|)`` of two token lists as multisets; 0.0 if either is empty."""
    if not a or not b:
        return 0.0
    common = sum((Counter(a) & Counter(b)).values())
    return common / min(len(a), len(b))


def texts_match(a: str, b: str, threshold: float = DEFAULT_MATCH_THRESHOLD) -> bool:
    """Whether two texts match under the text rule of the module docstring."""
    ta, tb = passage_tokens(a), passage_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    if min(len(ta), len(tb)) < MIN_OVERLAP_TOKENS:
        return False
    return overlap_coefficient(ta, tb) >= threshold


def passages_match(p: Passage, r: ReferenceContext | Passage,
                   threshold: float = DEFAULT_MATCH_THRESHOLD) -> bool:
    """Whether passage ``p`` matches ``r`` (a reference context, or another passage such as a
    cited reference): by id when both have one, else by normalised text."""
    if p.id is not None and r.id is not None:
        doc = (p.metadata or {}).get("doc") if isinstance(p.metadata, dict) else None
        return str(p.id) == str(r.id) or (doc is not None and str(doc) == str(r.id))
    return texts_match(p.text, r.text, threshold)


def matched_references(passages: Sequence[Passage], reference_contexts: Sequence[ReferenceContext],
                       threshold: float = DEFAULT_MATCH_THRESHOLD) -> list[int | None]:
    """For each passage in rank order, the index of the reference context it is credited with
    (``None``: no match, or only matches already credited to a higher-ranked passage)."""
    taken: set[int] = set()
    out: list[int | None] = []
    for p in passages:
        hit = next((j for j, r in enumerate(reference_contexts)
                    if j not in taken and passages_match(p, r, threshold)), None)
        if hit is not None:
            taken.add(hit)
        out.append(hit)
    return out


def relevance_gains(passages: Sequence[Passage], reference_contexts: Sequence[ReferenceContext],
                    threshold: float = DEFAULT_MATCH_THRESHOLD) -> list[float]:
    """One gain per retrieved passage, in rank order: the relevance of the reference context
    it is credited with (:func:`matched_references`), 0.0 for none."""
    return [0.0 if j is None else float(reference_contexts[j].relevance)
            for j in matched_references(passages, reference_contexts, threshold)]
