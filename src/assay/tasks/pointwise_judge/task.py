"""The pointwise judge task, ``evaluation.task: llm_judge_pointwise`` (strategy ``judge``):
one response per example, scored by one or more judge metrics (Bedrock's built-in ones and
``customMetricDefinition`` files), each a normalised 0-1 score with an explanation.

The name follows Nova's judge family (``llm_judge``, ``rubric_llm_judge``); Bedrock calls the
same job an automated model evaluation with an LLM evaluator. ``assay.model`` answers the
prompts (``-m``; ``byoi`` judges the responses already in the data), ``judge.model`` rates
them (``--judge``). See docs/pointwise_judge.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ...backends.base import ModelSpec
from ...backends.redact import redact_config
from ...config.paths import resolve_path
from ...errors import ConfigError
from ...judges.pointwise import to_definition
from ...results.native import write_json
from ...results.run_result import RunResult
from ..base import Executed, RunSpec
from .data import PointwiseDataset
from .base import JudgeMetricsTask
from .pipeline import PointwiseState, run_pointwise_example
from .select import metrics_fingerprint, select_metrics
from .summary import print_pointwise, summarise
from .writers import PointwiseWriter

__all__ = ["PointwiseJudgeTask"]

#: the judge prompts' and record layout's version (part of the fingerprint)
PROMPT_VERSION = 2


class PointwiseJudgeTask(JudgeMetricsTask):
    name = "llm_judge_pointwise"
    needs_data = True
    strategies = ("judge",)

    def check(self) -> None:
        super().check()
        self.metrics = select_metrics(self.recipe.judge, self.base)

    @property
    def byoi(self) -> bool:
        return self.recipe.assay.model.strip().partition("/")[0] == "byoi"

    async def open(self) -> None:
        a = self.recipe.assay
        self.dataset = PointwiseDataset(resolve_path(a.data, self.base), limit=a.limit)
        self.info = self.dataset.validate()
        self.warnings = list(getattr(self.info, "warnings", ()))
        for text in self.warnings:   # Bedrock's limits: said once, the run goes on
            print(f"warning: {text}", file=sys.stderr)
        idents = getattr(self.info, "model_identifiers", ())
        if self.byoi and self.dataset.bedrock and not idents:
            raise ConfigError("-m byoi judges the responses in the data, but its rows have no "
                              "modelResponses; name a model to answer the prompts",
                              field="assay.model")
        if not self.byoi and idents:
            print(f"note: the data carries modelResponses; {a.model} answers the prompts anew "
                  "(-m byoi judges the responses in the data)", file=sys.stderr)
        self.model_id = idents[0] if self.byoi and idents else a.model
        self.states: list[PointwiseState] = []

    def runs(self) -> list[RunSpec]:
        a, j = self.recipe.assay, self.recipe.judge
        generator = None if self.byoi else ModelSpec.parse(a.model, a.model_args)
        k = j.samples
        state = PointwiseState(self.metrics, self.mode, generator, samples=k,
                               temperature=self.sampling["temperature"] if k > 1 else None)
        self.states.append(state)
        fingerprint = {
            "task": self.recipe.evaluation.task, "prompt_version": PROMPT_VERSION,
            "judge": j.model_dump(exclude={"structured", "top_logprobs", "metrics",
                                           "custom_metrics"}),
            "judge_mode": self.mode.fingerprint(),
            "judge_metrics": metrics_fingerprint(self.metrics),
            "responder": "byoi" if generator is None else {"model": generator.name,
                                                           "args": generator.args},
        }
        return [RunSpec(name=self.recipe.run.name, model=ModelSpec.parse(j.model, j.model_args),
                        info=self.info, samples=self.dataset.iter_samples,
                        run_one=run_pointwise_example, fingerprint=fingerprint,
                        label=self.recipe.run.name, state=state)]

    def finalize(self, executed: Executed) -> RunResult:
        from ...judges.quality import embedded_judge_quality

        recipe, store = self.recipe, executed.store
        writer = PointwiseWriter(store.dir, job_name=recipe.run.name, model_id=self.model_id,
                                 dataset=self.dataset.path.stem,
                                 seed=executed.manifest["fingerprint"],
                                 judge_model=executed.model)
        slim, bedrock_path = self.stream_records(executed, writer,
                                                 ("metadata", "ratings", "error"))
        body, fields, warnings = summarise(self.metrics, slim, list(recipe.assay.group_by),
                                           recipe.judge.samples)
        for text in warnings:
            print(text, file=sys.stderr)
        kinds = [(r["error"] or {}).get("kind") for r in slim]
        custom = [to_definition(m) for m in self.metrics if m.source == "custom"]
        if custom:   # the definitions travel with the run
            write_json(store.dir / "custom_metrics.json", custom)
        summary = {
            "task": recipe.evaluation.task, "strategy": recipe.evaluation.strategy or "judge",
            "model": self.model_id, "judge_model": executed.model,
            "judge": redact_config(recipe.judge.model_dump()),
            "judge_mode": self.mode.fingerprint(), "judge_samples": self.sampling,
            "data_format": self.dataset.format,
            "dataset": self.dataset.path.name, "group_by": fields, "seed": recipe.assay.seed,
            "n_examples": len(slim),
            "n_errors": sum(k is not None and k != "unparseable" for k in kinds),
            "n_unparseable": kinds.count("unparseable"),
            **body,
            "warnings": [f"warning: {w}" for w in self.warnings] + warnings,
            "bedrock_output": bedrock_path.relative_to(store.dir).as_posix(),
            "embedded_judge": embedded_judge_quality(executed.model),
        }
        return self.succeed(executed, summary, {
            "examples_jsonl": str(writer.jsonl_path),
            "examples_parquet": str(writer.parquet_path), "bedrock": str(bedrock_path)})

    def print_summary(self, result: RunResult) -> None:
        print_pointwise(result.summary, self.recipe.run.name)

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        from .report import write_pointwise_report
        return [write_pointwise_report(run_dir)]
