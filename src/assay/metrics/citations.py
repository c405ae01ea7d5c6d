"""Citation checks without a judge: given a generated output, its citations and the retrieved
passages, is each citation's span where its text is, and were the passages it cites retrieved?

Real data is sloppy (Bedrock samples carry ``span {start: 0, end: 11}`` for the 12-character
``"Amazon's SEC"``, and a span 0..31 for a 44-character text), so every check *reports*, never
raises. Per citation (:class:`CitationCheck`):

* ``span_in_bounds``: ``start`` and ``end`` are integers with ``0 <= start <= end <= len(output)``
  (so an inclusive ``end == len(output) - 1`` and an exclusive ``end == len(output)`` both pass);
* ``text_found``: the citation's text (whitespace-trimmed, non-empty) occurs in the output;
* ``span_aligned``: the span is in bounds and ``output[start:end]`` (exclusive end) or
  ``output[start:end + 1]`` (inclusive end), whitespace-trimmed, equals the trimmed text;
* ``references_retrieved``: per cited passage, whether it matches one of the retrieved passages
  (:func:`assay.metrics.passage_match.passages_match`: by id when both have one, else by
  normalised text with the overlap ``threshold``).

Per example (:class:`CitationReport`): the counts and shares of citations in bounds, aligned and
with their text found, the share of cited references that were retrieved, and ``coverage``: the
share of the output's non-whitespace characters inside some cited part. A citation is located
by its text when found (the occurrence nearest its ``start``), else by its span when in bounds
(``[start, end]``, ``end`` taken as inclusive, as Bedrock writes it, clipped to the output),
else not at all. A share with nothing to count is ``None``.

:func:`summarise_citations` pools the counts of many examples (micro shares) and averages the
per-example coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assay.data.rag_records import Citation, Passage
from assay.metrics.passage_match import DEFAULT_MATCH_THRESHOLD, passages_match
from assay.stats.intervals import finite_or_none, mean_stderr, metric_interval

__all__ = ["CitationCheck", "CitationReport", "check_citation", "check_citations",
           "summarise_citations"]


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


@dataclass(frozen=True, slots=True)
class CitationCheck:
    """The checks of one citation (module docstring); ``located`` is the half-open
    ``(start, end)`` character range counted for coverage, ``None`` when it could not be
    located."""

    index: int
    start: int | None
    end: int | None
    text: str | None
    span_in_bounds: bool
    text_found: bool
    span_aligned: bool
    references_retrieved: tuple[bool, ...]
    located: tuple[int, int] | None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "start": self.start, "end": self.end, "text": self.text,
                "span_in_bounds": self.span_in_bounds, "text_found": self.text_found,
                "span_aligned": self.span_aligned,
                "references_retrieved": list(self.references_retrieved),
                "located": None if self.located is None else list(self.located)}


@dataclass(frozen=True, slots=True)
class CitationReport:
    """The citation checks of one example: every citation's :class:`CitationCheck` and the
    example's counts, shares and coverage."""

    citations: tuple[CitationCheck, ...]
    covered_chars: int
    text_chars: int

    @property
    def n_citations(self) -> int:
        return len(self.citations)

    @property
    def n_in_bounds(self) -> int:
        return sum(c.span_in_bounds for c in self.citations)

    @property
    def n_aligned(self) -> int:
        return sum(c.span_aligned for c in self.citations)

    @property
    def n_text_found(self) -> int:
        return sum(c.text_found for c in self.citations)

    @property
    def n_references(self) -> int:
        return sum(len(c.references_retrieved) for c in self.citations)

    @property
    def n_references_retrieved(self) -> int:
        return sum(sum(c.references_retrieved) for c in self.citations)

    @property
    def coverage(self) -> float | None:
        """Share of the output's non-whitespace characters inside a located citation."""
        return _share(self.covered_chars, self.text_chars)

    def rates(self) -> dict[str, float | None]:
        return {"in_bounds": _share(self.n_in_bounds, self.n_citations),
                "aligned": _share(self.n_aligned, self.n_citations),
                "text_found": _share(self.n_text_found, self.n_citations),
                "references_retrieved": _share(self.n_references_retrieved, self.n_references),
                "coverage": self.coverage}

    def to_dict(self) -> dict[str, Any]:
        return {"n_citations": self.n_citations, "n_in_bounds": self.n_in_bounds,
                "n_aligned": self.n_aligned, "n_text_found": self.n_text_found,
                "n_references": self.n_references,
                "n_references_retrieved": self.n_references_retrieved,
                "covered_chars": self.covered_chars, "text_chars": self.text_chars,
                **self.rates(), "citations": [c.to_dict() for c in self.citations]}


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _in_bounds(output: str, start: object, end: object) -> bool:
    return _is_int(start) and _is_int(end) and 0 <= start <= end <= len(output)  # type: ignore[operator]


def _find(output: str, needle: str, near: int | None) -> int | None:
    """The start of the occurrence of ``needle`` nearest ``near`` (the first without one)."""
    hits: list[int] = []
    pos = output.find(needle)
    while pos != -1:
        hits.append(pos)
        pos = output.find(needle, pos + 1)
    if not hits:
        return None
    return hits[0] if near is None else min(hits, key=lambda h: (abs(h - near), h))


def check_citation(output: str, citation: Citation, passages: Sequence[Passage], *,
                   index: int = 0,
                   threshold: float = DEFAULT_MATCH_THRESHOLD) -> CitationCheck:
    """The checks of one citation of ``output`` against the retrieved ``passages``."""
    output = output or ""
    start, end = citation.start, citation.end
    bounds = _in_bounds(output, start, end)
    needle = (citation.text or "").strip()
    at = _find(output, needle, start if _is_int(start) else None) if needle else None
    aligned = bounds and bool(needle) and needle in (output[start:end].strip(),  # type: ignore[misc]
                                                     output[start:end + 1].strip())  # type: ignore[operator]
    if at is not None:
        located: tuple[int, int] | None = (at, at + len(needle))
    elif bounds:
        located = (start, min(end + 1, len(output)))  # type: ignore[operator]
    else:
        located = None
    retrieved = tuple(any(passages_match(ref, p, threshold) for p in passages)
                      for ref in citation.references)
    return CitationCheck(index=index, start=start, end=end, text=citation.text,
                         span_in_bounds=bounds, text_found=at is not None, span_aligned=aligned,
                         references_retrieved=retrieved, located=located)


def check_citations(output: str, citations: Sequence[Citation], passages: Sequence[Passage], *,
                    threshold: float = DEFAULT_MATCH_THRESHOLD) -> CitationReport:
    """The citation checks of one example (module docstring)."""
    output = output or ""
    checks = tuple(check_citation(output, c, passages, index=i, threshold=threshold)
                   for i, c in enumerate(citations))
    covered = [False] * len(output)
    for c in checks:
        if c.located is not None:
            for i in range(*c.located):
                covered[i] = True
    text_chars = sum(1 for ch in output if not ch.isspace())
    covered_chars = sum(1 for ch, cov in zip(output, covered) if cov and not ch.isspace())
    return CitationReport(citations=checks, covered_chars=covered_chars, text_chars=text_chars)


def summarise_citations(reports: Sequence[CitationReport], level: float = 0.95) -> dict[str, Any]:
    """The run's citation checks: pooled counts and micro shares over all citations (and cited
    references), and the mean per-example coverage over the examples with any output text,
    with its ``level`` t-interval (clipped to [0, 1])::

        {"n_examples", "n_examples_with_citations", "n_citations", "n_in_bounds", "n_aligned",
         "n_text_found", "n_references", "n_references_retrieved", "in_bounds", "aligned",
         "text_found", "references_retrieved",
         "coverage": {"value", "stderr", "ci_low", "ci_high", "n"}}
    """
    counts = {key: sum(getattr(r, key) for r in reports)
              for key in ("n_citations", "n_in_bounds", "n_aligned", "n_text_found",
                          "n_references", "n_references_retrieved")}
    cov = [r.coverage for r in reports if r.coverage is not None]
    mean, se = mean_stderr(cov) if cov else (float("nan"), float("nan"))
    lo, hi = metric_interval(mean, se, len(cov), level=level, bounds=(0.0, 1.0))
    return {"n_examples": len(reports),
            "n_examples_with_citations": sum(1 for r in reports if r.n_citations),
            **counts,
            "in_bounds": _share(counts["n_in_bounds"], counts["n_citations"]),
            "aligned": _share(counts["n_aligned"], counts["n_citations"]),
            "text_found": _share(counts["n_text_found"], counts["n_citations"]),
            "references_retrieved": _share(counts["n_references_retrieved"],
                                           counts["n_references"]),
            "coverage": {"value": finite_or_none(mean), "stderr": finite_or_none(se),
                         "ci_low": finite_or_none(lo), "ci_high": finite_or_none(hi),
                         "n": len(cov)}}
