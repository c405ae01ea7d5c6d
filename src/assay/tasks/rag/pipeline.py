"""One RAG example: the output (the row's BYOI output, or retrieved from the local knowledge
base and, for retrieve-and-generate, answered by the run's model), the model-free retrieval
metrics and citation checks, then one judge request per whole-example metric and one per unit
of each unit metric (:mod:`.units`), through the pointwise judge's machinery
(:func:`~assay.tasks.pointwise_judge.pipeline.judge_metric`: structured mode, probabilities,
judge samples, cache and retries)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...backends.types import InferenceRequest
from ...data.rag_records import RagItem
from ...metrics.citations import check_citations
from ...metrics.passage_match import matched_references
from ...metrics.retrieval import query_retrieval_metrics
from ...results.records import ExampleError
from ...runner.context import ExampleContext, infer_request
from ..pointwise_judge.pipeline import PointwiseState, judge_metric, rating
from .generate import generation_messages, parse_citations, retrieve_item, with_answer
from .records import RagRecord
from .units import combine_units, judge_values, metric_units

__all__ = ["RagState", "run_rag_example"]


class RagState(PointwiseState):
    """The pointwise judge state plus the run's kind, the knowledge base (loaded on first use,
    also in a Ray replica) and how to retrieve, and the retrieval metrics' ``ks`` and match
    ``threshold``."""

    def __init__(self, metrics, mode, generator, samples: int = 1, temperature=None, *,
                 kind: str = "retrieve_and_generate", kb_path: str | None = None,
                 retrieval: str = "hybrid", top_k: int = 5, ks: tuple[int, ...] = (1, 3, 5, 10),
                 threshold: float = 0.8, citations: bool = True) -> None:
        super().__init__(metrics, mode, generator, samples, temperature)
        self.kind, self.kb_path, self.retrieval, self.top_k = kind, kb_path, retrieval, top_k
        self.ks, self.threshold, self.citations = tuple(ks), threshold, citations
        self._kb: Any = None
        self._kb_lock: asyncio.Lock | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "kind": self.kind, "kb_path": self.kb_path,
                "retrieval": self.retrieval, "top_k": self.top_k, "ks": self.ks,
                "threshold": self.threshold, "citations": self.citations}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["metrics"], state["mode"], state["generator"], state["samples"],
                      state["temperature"], kind=state["kind"], kb_path=state["kb_path"],
                      retrieval=state["retrieval"], top_k=state["top_k"], ks=state["ks"],
                      threshold=state["threshold"], citations=state["citations"])

    async def kb(self) -> Any:
        if self._kb_lock is None:
            self._kb_lock = asyncio.Lock()
        if self._kb is None:
            from ...retrieval import KnowledgeBase
            self._kb = await asyncio.to_thread(KnowledgeBase.load, Path(self.kb_path))
        return self._kb


async def _supply_output(item: RagItem, ctx: ExampleContext
                         ) -> tuple[RagItem, ExampleError | None, float, bool, int]:
    """Retrieve (and generate) for a row without an output: ``(item with its output, error,
    latency, cached, citation markers naming no retrieved passage)``."""
    state: RagState = ctx.task
    kb = await state.kb()
    passages = await retrieve_item(item, kb, method=state.retrieval, top_k=state.top_k,
                                   lock=state._kb_lock)
    if state.kind == "retrieve":
        return with_answer(item, "retrieve", passages, None, (), None, kb.identifier), \
            None, 0.0, True, 0
    backend = await state.backend()
    gen_ctx = replace(ctx, backend=backend, identity=backend.identity())
    request = InferenceRequest(
        messages=generation_messages(item, passages, citations=state.citations),
        settings=ctx.settings, example_id=item.id,
        extra={"index": item.index, "gold": item.reference or ""})
    completion, error, cached, _attempts, latency = await infer_request(item, request, gen_ctx)
    text = None if completion is None else completion.text
    if completion is not None and text is None:
        error = ExampleError("inference", "empty_response", "the model returned no content")
    citations, bad = parse_citations(text, passages) if text and state.citations else ((), 0)
    return with_answer(item, "retrieve_and_generate", passages, text, citations,
                       state.generator.name, kb.identifier), error, latency, cached, bad


async def _judge_one(item: RagItem, metric: Any, ctx: ExampleContext
                     ) -> tuple[dict[str, Any], str | None, float, bool]:
    if metric.unit == "whole":
        values = judge_values(item)
        return await judge_metric(item, metric.judge, values, ctx)
    units, reason = metric_units(metric, item)
    if reason is not None:
        return rating("skipped", problem=reason), None, 0.0, True
    asked = [u for u in units if u["values"] is not None]
    results = await asyncio.gather(*(
        judge_metric(item, metric.judge, u["values"], ctx, key=f"{u['unit']}{u['index']}")
        for u in asked))
    kind = None
    latency, hits = 0.0, []
    for u, (r, k, lat, hit) in zip(asked, results):
        u["rating"] = r
        kind = kind or k
        latency += lat
        hits.append(hit)
    return combine_units(metric, units), kind, latency, all(hits)


async def run_rag_example(item: RagItem, ctx: ExampleContext) -> RagRecord:
    state: RagState = ctx.task
    error: ExampleError | None = None
    latency, hits = 0.0, []
    bad_markers = None
    if item.kind is None:
        item, error, latency, cached, bad_markers = await _supply_output(item, ctx)
        hits.append(cached)
    retrieval = None
    relevance: list[int | None] = []
    if item.reference_contexts:
        relevance = matched_references(item.passages, item.reference_contexts, state.threshold)
        retrieval = query_retrieval_metrics(item.passages, item.reference_contexts,
                                            ks=state.ks, threshold=state.threshold)
    check = None
    if item.kind == "retrieve_and_generate" and item.response is not None:
        check = check_citations(item.response, item.citations, item.passages,
                                threshold=state.threshold).to_dict()
        if bad_markers is not None:   # assay generated it: [n] markers naming no passage
            check["bad_markers"] = bad_markers
    ratings: dict[str, dict[str, Any]] = {}
    if error is not None:
        problem = f"no answer to judge ({error.kind})"
        ratings = {m.name: rating("skipped", problem=problem) for m in state.metrics}
    else:
        results = await asyncio.gather(*(_judge_one(item, m, ctx) for m in state.metrics))
        failed = []
        for m, (r, kind, lat, hit) in zip(state.metrics, results):
            ratings[m.name] = r
            latency += lat
            hits.append(hit)
            if kind is not None:
                failed.append((m.name, kind, r.get("problem") or kind))
        unreadable = [n for n, r in ratings.items() if r["status"] == "unparseable"
                      or r.get("n_unparseable_units")]
        if failed:
            error = ExampleError("judge", failed[0][1],
                                 "; ".join(f"{n}: {p}" for n, _k, p in failed), None)
        elif unreadable:
            raws = [u.get("raw") for n in unreadable for u in ratings[n].get("units", ())
                    if u.get("status") == "unparseable"] + \
                [ratings[n].get("raw") for n in unreadable]
            error = ExampleError("judge", "unparseable",
                                 "; ".join(f"{n}: " + (ratings[n].get("problem") or
                                                       "a unit's judge answer could not be read")
                                           for n in unreadable),
                                 (next((x for x in raws if x), "") or "")[:8000])
    return RagRecord(
        index=item.index, id=item.id, prompt=item.prompt, references=list(item.references),
        reference_contexts=[c.to_dict() for c in item.reference_contexts], kind=item.kind,
        passages=[p.to_dict() for p in item.passages], response=item.response,
        citations=[c.to_dict() for c in item.citations],
        model_identifier=item.model_identifier,
        knowledge_base_identifier=item.knowledge_base_identifier, metadata=item.metadata,
        input_record=item.input_record, output=item.output_record(), relevance=relevance,
        retrieval=retrieval, citation_check=check, ratings=ratings, error=error,
        latency_s=round(latency, 6), cached=all(hits) if hits else True)
