"""Retrieve and generate for rows without an output: the local knowledge base
(:mod:`assay.retrieval`) retrieves the top-k passages for the question, and (retrieve and
generate) the run's model answers from them, citing passages as ``[1]``, ``[2]``. The result
is the row in Bedrock's BYOI shape, so the judge metrics see exactly what a BYOI row gives.

**Citations.** Each statement of the answer (:func:`~assay.judges.pointwise.claims.split_claims`)
that carries markers becomes a ``citations[]`` entry: its span (character offsets in the
answer, end exclusive), its text, and the passages its markers name. A marker outside
1..k is ignored, and counted in the record (``citation_check.bad_markers``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

from ...backends.types import Message
from ...data.rag_records import Citation, Passage, RagItem
from ...judges.pointwise.claims import split_claims

__all__ = ["RAG_SYSTEM", "generation_messages", "parse_citations", "retrieve_item",
           "with_answer"]

RAG_SYSTEM = ("You answer questions using only the passages you are given. If the passages do "
              "not contain the answer, say that they do not.")

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def generation_messages(item: RagItem, passages: tuple[Passage, ...], *,
                        citations: bool) -> tuple[Message, ...]:
    """``(system, [earlier turns], user)``: the passages (``Passage [n]:`` blocks, whitespace
    collapsed), then the question and what to do. Of the layouts tried on the embedded model
    (examples/rag, 6 questions), this one least often made it continue the passage list instead
    of answering."""
    ask = ("Answer the question in one or two sentences, using only the passages above, and "
           "end each sentence with the number of the passage it comes from, like [1]."
           if citations else
           "Answer the question in one or two sentences, using only the passages above.")
    block = "\n\n".join(f"Passage [{i}]:\n{' '.join(p.text.split())}"
                         for i, p in enumerate(passages, 1)) or "(no passages were retrieved)"
    user = f"{block}\n\nQuestion: {item.prompt}\n{ask}"
    history: list[Message] = []
    for asked, answer in item.history:
        history.append(Message("user", asked))
        if answer is not None:
            history.append(Message("assistant", answer))
    return (Message("system", RAG_SYSTEM), *history, Message("user", user))


def parse_citations(text: str, passages: tuple[Passage, ...]
                    ) -> tuple[tuple[Citation, ...], int]:
    """``(citations, markers naming no passage)`` of a generated answer."""
    out: list[Citation] = []
    bad = 0
    for s in split_claims(text):
        cited: list[int] = []
        for m in _MARKER.finditer(s.text):
            for n in (int(x) for x in m.group(1).split(",")):
                if 1 <= n <= len(passages):
                    if n not in cited:
                        cited.append(n)
                else:
                    bad += 1
        if cited:
            out.append(Citation(start=s.start, end=s.end, text=s.text,
                                references=tuple(passages[n - 1] for n in cited)))
    return tuple(out), bad


async def retrieve_item(item: RagItem, kb: Any, *, method: str, top_k: int,
                        lock: asyncio.Lock | None = None) -> tuple[Passage, ...]:
    """The knowledge base's top-k passages for the row's question (in a worker thread, one
    query at a time: the embedding model is not shared between threads)."""
    async def run() -> tuple[Passage, ...]:
        found = await asyncio.to_thread(kb.retrieve, item.prompt, method=method, top_k=top_k)
        return tuple(found)
    if lock is None:
        return await run()
    async with lock:
        return await run()


def with_answer(item: RagItem, kind: str, passages: tuple[Passage, ...], response: str | None,
                citations: tuple[Citation, ...], model: str | None, kb_id: str) -> RagItem:
    """The row as if it came with this output (BYOI shape)."""
    return replace(item, kind=kind, passages=passages, response=response,
                   citations=citations, model_identifier=model,
                   knowledge_base_identifier=kb_id)
