"""The per-example record of a RAG evaluation run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...results.records import ExampleError

__all__ = ["RagRecord"]


@dataclass(frozen=True, slots=True)
class RagRecord:
    """One evaluated RAG example.

    ``kind`` is ``retrieve`` or ``retrieve_and_generate``; ``passages`` the retrieved passages
    in rank order (``{text, id, name, metadata, score}``), each marked in ``relevance`` with
    the index of the reference context it matched (``None``: no match; the list is empty when
    the row has no reference contexts); ``retrieval`` the model-free retrieval metrics
    (recall@k, ...; ``None`` without reference contexts); ``citation_check`` the model-free
    citation checks (retrieve-and-generate only); ``ratings`` per judge metric, as in the
    pointwise judge (``status``, ``score``, ``explanation``, ``raw``...) plus, for the metrics
    judged piece by piece, ``units``: every passage, statement or citation judged, with its own
    rating. ``output`` is the row's ``output`` in Bedrock's BYOI shape (what assay retrieved
    and generated, for a knowledge-base run). ``error`` is set when retrieval or generation
    failed, a judge request failed, or a judge answer could not be read."""

    index: int
    id: str
    prompt: str
    references: list[str]
    reference_contexts: list[dict[str, Any]]
    kind: str | None
    passages: list[dict[str, Any]]
    response: str | None
    citations: list[dict[str, Any]]
    model_identifier: str | None
    knowledge_base_identifier: str | None
    metadata: dict[str, Any] | None
    input_record: dict[str, Any]
    output: dict[str, Any] | None
    relevance: list[int | None]
    retrieval: dict[str, float | None] | None
    citation_check: dict[str, Any] | None
    ratings: dict[str, dict[str, Any]]
    error: ExampleError | None = None
    latency_s: float = 0.0
    cached: bool = False

    @property
    def metrics(self) -> dict[str, float | None]:
        """Judge metric name -> normalised score, then the retrieval metrics."""
        out: dict[str, float | None] = {n: r.get("score") for n, r in self.ratings.items()}
        out.update(self.retrieval or {})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "id": self.id, "prompt": self.prompt,
            "references": self.references, "reference_contexts": self.reference_contexts,
            "kind": self.kind, "passages": self.passages, "response": self.response,
            "citations": self.citations, "model_identifier": self.model_identifier,
            "knowledge_base_identifier": self.knowledge_base_identifier,
            "metadata": self.metadata, "input_record": self.input_record,
            "output": self.output, "relevance": self.relevance, "retrieval": self.retrieval,
            "citation_check": self.citation_check, "metrics": self.metrics,
            "ratings": self.ratings,
            "error": None if self.error is None else self.error.to_dict(),
            "latency_s": self.latency_s, "cached": self.cached,
        }
