"""The RAG evaluation task, ``evaluation.task: rag_eval`` (strategy ``judge``): Bedrock's RAG
evaluation, retrieve-only or retrieve-and-generate (formats.md §2.3-2.6).

Where the outputs come from: the rows' BYOI ``output`` (retrieve-only ``retrievedResults``,
or retrieve-and-generate ``text``/``retrievedPassages``/``citations``), or, with
``assay.rag.knowledge_base`` (a folder ``assay kb build`` wrote), the local knowledge base
retrieves the top-k passages for every row and ``assay.model`` answers from them. Then the
judge (``judge.model``) scores the judge metrics (:mod:`assay.judges.pointwise.rag`), and
the model-free retrieval metrics (with reference contexts) and citation checks are computed.
See docs/rag.md.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from ...backends.base import ModelSpec
from ...backends.redact import redact_config
from ...config.paths import resolve_path
from ...data.bedrock_rag import KIND_NAMES, RagDataset
from ...errors import ConfigError
from ...judges.pointwise import to_definition
from ...results.native import write_json
from ...results.run_result import RunResult
from ..base import Executed, RunSpec
from ..pointwise_judge.base import JudgeMetricsTask
from .pipeline import RagState, run_rag_example
from .select import select_rag_metrics
from .summary import print_rag, summarise_rag
from .writers import RagWriter

__all__ = ["RagTask"]

#: the judge prompts' and record layout's version (part of the fingerprint)
PROMPT_VERSION = 1


def _metrics_fingerprint(metrics) -> list[dict[str, str]]:
    out = []
    for m in metrics:
        doc = to_definition(m.judge) | {"unit": m.unit, "kinds": list(m.kinds),
                                        "lower_is_better": m.lower_is_better}
        blob = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
        out.append({"name": m.name, "digest": hashlib.sha256(blob).hexdigest()[:16]})
    return out


class RagTask(JudgeMetricsTask):
    name = "rag_eval"
    needs_data = True
    strategies = ("judge",)
    model_key = "assay.model"

    async def open(self) -> None:
        a, rag = self.recipe.assay, self.recipe.assay.rag
        self.kb = None
        self.kb_path = None
        if rag.knowledge_base:
            from ...retrieval import KnowledgeBase
            self.kb_path = resolve_path(rag.knowledge_base, self.base)
            self.kb = KnowledgeBase.load(self.kb_path)
        self.dataset = RagDataset(resolve_path(a.data, self.base),
                                  knowledge_base_identifier=rag.source_identifier,
                                  limit=a.limit)
        self.info = self.dataset.validate()
        self.warnings = list(self.info.warnings)
        data_kind = self.info.kind
        if self.kb is not None:
            if data_kind is not None:
                self.warnings.append(f"{self.dataset.path}: the rows carry outputs; the "
                                     "knowledge base retrieves anew for every row and those "
                                     "outputs are not evaluated")
            kind = "retrieve_and_generate" if rag.mode == "auto" else rag.mode
        else:
            if data_kind is None:
                raise ConfigError(f"{self.dataset.path}: the rows carry no output to evaluate; "
                                  "set assay.rag.knowledge_base to a folder built with "
                                  "'assay kb build DOCS_DIR' to retrieve (and generate)",
                                  field="assay.rag.knowledge_base")
            if rag.mode not in ("auto", data_kind):
                raise ConfigError(f"assay.rag.mode is {rag.mode}, but the data's outputs are "
                                  f"{KIND_NAMES[data_kind]}", field="assay.rag.mode")
            kind = data_kind
        for text in self.warnings:   # said once, the run goes on
            print(f"warning: {text}", file=sys.stderr)
        self.kind = kind
        self.generator = None
        if self.kb is not None and kind == "retrieve_and_generate":
            if a.model.strip().partition("/")[0] == "byoi":
                raise ConfigError("a knowledge-base run generates its answers: name the model "
                                  "that answers (-m), not byoi", field="assay.model")
            self.generator = ModelSpec.parse(a.model, a.model_args)
        self.metrics = select_rag_metrics(self.recipe.judge, self.base, kind,
                                          self.info.with_references > 0)
        if self.generator is not None:
            self.model_id = self.generator.name
        elif self.kb is not None:
            self.model_id = self.kb.identifier
        else:
            self.model_id = (self.info.model_identifiers or
                             self.info.knowledge_base_identifiers or ("byoi",))[0]
        self.states: list[RagState] = []

    def _samples(self, start: int = 0):
        for item in self.dataset.iter_samples(start):
            if self.kb is not None and item.kind is not None:   # retrieved anew
                item = replace(item, kind=None, passages=(), response=None, citations=(),
                               model_identifier=None, knowledge_base_identifier=None)
            yield item

    def runs(self) -> list[RunSpec]:
        j, rag = self.recipe.judge, self.recipe.assay.rag
        k = j.samples
        state = RagState(self.metrics, self.mode, self.generator, samples=k,
                         temperature=self.sampling["temperature"] if k > 1 else None,
                         kind=self.kind, kb_path=None if self.kb_path is None
                         else str(self.kb_path), retrieval=rag.retrieval, top_k=rag.top_k,
                         ks=tuple(rag.ks), threshold=rag.match_threshold,
                         citations=rag.citations)
        self.states.append(state)
        fingerprint = {
            "task": self.recipe.evaluation.task, "prompt_version": PROMPT_VERSION,
            "kind": self.kind,
            "judge": j.model_dump(exclude={"structured", "top_logprobs", "metrics",
                                           "custom_metrics"}),
            "judge_mode": self.mode.fingerprint(),
            "judge_metrics": _metrics_fingerprint(self.metrics),
            "rag": rag.model_dump(exclude={"knowledge_base"})
            | {"knowledge_base": None if self.kb is None else self.kb.identifier},
            "responder": None if self.generator is None else
            {"model": self.generator.name, "args": self.generator.args},
        }
        # no judge metric: nothing is judged, so no judge model is loaded (the model 'none')
        judge = ModelSpec.parse(j.model, j.model_args) if self.metrics else ModelSpec("none", "")
        return [RunSpec(name=self.recipe.run.name, model=judge,
                        info=self.info, samples=self._samples, run_one=run_rag_example,
                        fingerprint=fingerprint, label=self.recipe.run.name, state=state)]

    def finalize(self, executed: Executed) -> RunResult:
        from ...judges.quality import embedded_judge_quality

        recipe, store = self.recipe, executed.store
        writer = RagWriter(store.dir, job_name=recipe.run.name, model_id=self.model_id,
                           dataset=self.dataset.path.stem,
                           seed=executed.manifest["fingerprint"], judge_model=executed.model)
        slim, bedrock_path = self.stream_records(
            executed, writer, ("metadata", "ratings", "error", "retrieval", "citation_check"))
        body, fields, warnings = summarise_rag(self.metrics, slim, list(recipe.assay.group_by),
                                               recipe.judge.samples,
                                               ks=tuple(recipe.assay.rag.ks))
        for text in warnings:
            print(text, file=sys.stderr)
        kinds = [(r["error"] or {}).get("kind") for r in slim]
        custom = [to_definition(m.judge) for m in self.metrics if m.source == "custom"]
        if custom:
            write_json(store.dir / "custom_metrics.json", custom)
        rag = recipe.assay.rag
        summary = {
            "task": recipe.evaluation.task, "strategy": recipe.evaluation.strategy or "judge",
            "kind": self.kind, "model": self.model_id, "judge_model": executed.model,
            "judge": redact_config(recipe.judge.model_dump()),
            "judge_mode": self.mode.fingerprint(), "judge_samples": self.sampling,
            "knowledge_base": None if self.kb is None else {
                "path": str(self.kb_path), "identifier": self.kb.identifier,
                "retrieval": rag.retrieval, "top_k": rag.top_k},
            "match_threshold": rag.match_threshold,
            "dataset": self.dataset.path.name, "group_by": fields, "seed": recipe.assay.seed,
            "n_examples": len(slim),
            "n_errors": sum(k is not None and k != "unparseable" for k in kinds),
            "n_unparseable": kinds.count("unparseable"),
            **body,
            "warnings": [f"warning: {w}" for w in self.warnings] + warnings,
            "bedrock_output": bedrock_path.relative_to(store.dir).as_posix(),
            "embedded_judge": embedded_judge_quality(executed.model) if self.metrics else None,
        }
        return self.succeed(executed, summary, {
            "examples_jsonl": str(writer.jsonl_path),
            "examples_parquet": str(writer.parquet_path), "rag_output": str(writer.byoi_path),
            "bedrock": str(bedrock_path)})

    def print_summary(self, result: RunResult) -> None:
        print_rag(result.summary, self.recipe.run.name)

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        from .report import write_rag_report
        return [write_rag_report(run_dir)]
