"""The records of a RAG example (formats.md §2.3): retrieved passages, reference contexts and
citations, frozen, as the dataset reader, the local knowledge base and the metrics share them.

**Passage ids.** A passage is matched to a reference context by id when both have one, else by
normalised text (:mod:`assay.metrics.passage_match`). A retrieved passage's id is its
``metadata.id``, else Bedrock's ``metadata["x-amz-bedrock-kb-chunk-id"]``, else its ``name``; a
reference context's id is its ``metadata.id``, else its ``name`` (assay's extension to
``referenceContexts[]``, which Bedrock documents as ``{"content": [{"text"}]}`` only).

**Graded relevance.** A reference context may carry ``"relevance": <number >= 0>`` (or
``metadata.relevance``), assay's extension for graded nDCG; without it every reference context
has relevance 1 (binary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Passage", "ReferenceContext", "Citation", "RagItem", "RagKind", "CHUNK_ID_KEY"]

#: the metadata key Bedrock knowledge bases put a chunk's id under
CHUNK_ID_KEY = "x-amz-bedrock-kb-chunk-id"

#: ``retrieve``: the row (or the run) carries retrieved passages only; ``retrieve_and_generate``:
#: passages and a generated answer (with citations)
RagKind = Literal["retrieve", "retrieve_and_generate"]


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrieved passage, in rank order within its list (rank 1 first). ``score`` is the
    retriever's score where assay retrieved it (``None`` for BYOI rows)."""

    text: str
    id: str | None = None
    name: str | None = None
    metadata: dict[str, Any] | None = None
    score: float | None = None

    def to_bedrock(self) -> dict[str, Any]:
        """The ``retrievalResults[]`` item: ``{"content": {"text"}, "name"?, "metadata"?}``."""
        out: dict[str, Any] = {"content": {"text": self.text}}
        if self.name is not None:
            out["name"] = self.name
        meta = dict(self.metadata or {})
        if self.id is not None and self.name != self.id:
            meta.setdefault("id", self.id)
        if self.score is not None:
            meta.setdefault("score", self.score)
        if meta:
            out["metadata"] = meta
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "id": self.id, "name": self.name, "metadata": self.metadata,
                "score": self.score}


@dataclass(frozen=True, slots=True)
class ReferenceContext:
    """An expected passage (``referenceContexts[]``): its text, id (when given) and graded
    relevance (1 unless the row says otherwise)."""

    text: str
    id: str | None = None
    relevance: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "id": self.id, "relevance": self.relevance}


@dataclass(frozen=True, slots=True)
class Citation:
    """One ``citations[]`` entry: the cited part of the output (``span`` start/end, as Bedrock
    writes them, and its ``text``) and the passages cited for it."""

    start: int | None
    end: int | None
    text: str | None
    references: tuple[Passage, ...] = ()

    def to_bedrock(self) -> dict[str, Any]:
        part: dict[str, Any] = {}
        if self.start is not None or self.end is not None:
            part["span"] = {"start": self.start, "end": self.end}
        if self.text is not None:
            part["text"] = self.text
        return {"generatedResponsePart": {"textResponsePart": part},
                "retrievedReferences": [p.to_bedrock() for p in self.references]}

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text,
                "references": [p.to_dict() for p in self.references]}


@dataclass(frozen=True, slots=True)
class RagItem:
    """One RAG example: the query, the reference answers and contexts, and (BYOI, or after
    assay retrieved and generated) the output: ``kind`` says which shape it has (``None``: no
    output yet, a knowledge base must supply it), ``passages`` the retrieved passages in rank
    order, ``response`` the generated text (``retrieve_and_generate``) and its ``citations``.
    ``input_record`` is the row as read, without the last turn's ``output`` (what the Bedrock
    output echoes); ``history`` the earlier turns' ``(prompt, answer)``."""

    index: int
    id: str
    prompt: str
    references: tuple[str, ...] = ()
    reference_contexts: tuple[ReferenceContext, ...] = ()
    kind: RagKind | None = None
    passages: tuple[Passage, ...] = ()
    response: str | None = None
    citations: tuple[Citation, ...] = ()
    model_identifier: str | None = None
    knowledge_base_identifier: str | None = None
    metadata: dict[str, Any] | None = None
    input_record: dict[str, Any] = field(default_factory=dict)
    line: int = 0
    history: tuple[tuple[str, str | None], ...] = ()

    @property
    def judge_prompt(self) -> str:
        """The question as the judge sees it (``{{prompt}}``): the earlier turns, when there
        are any, then the question."""
        if not self.history:
            return self.prompt
        lines = ["[Conversation so far]"]
        for asked, answer in self.history:
            lines.append(f"User: {asked}")
            if answer is not None:
                lines.append(f"Assistant: {answer}")
        return "\n".join(lines) + "\n[End of conversation so far]\n\n" + self.prompt

    @property
    def reference(self) -> str | None:
        """The reference answers joined (``{{ground_truth}}``), ``None`` without any."""
        return "\n\n".join(self.references) if self.references else None

    def output_record(self) -> dict[str, Any] | None:
        """The row's ``output`` in Bedrock's BYOI shape (``None`` when there is none)."""
        if self.kind is None:
            return None
        results = {"retrievalResults": [p.to_bedrock() for p in self.passages]}
        out: dict[str, Any] = {}
        if self.kind == "retrieve_and_generate":
            out["text"] = self.response or ""
            if self.model_identifier is not None:
                out["modelIdentifier"] = self.model_identifier
        if self.knowledge_base_identifier is not None:
            out["knowledgeBaseIdentifier"] = self.knowledge_base_identifier
        if self.kind == "retrieve":
            out["retrievedResults"] = results
        else:
            out["retrievedPassages"] = results
            out["citations"] = [c.to_bedrock() for c in self.citations]
        return out
