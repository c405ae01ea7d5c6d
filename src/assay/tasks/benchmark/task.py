"""Standard benchmarks (task mmlu, bbh, gsm8k, math, arc, ...): the items, one run per model
on identical items, Nova results per subtask and overall, and with a base model the
base-vs-challenger comparison (McNemar / paired t and a paired bootstrap)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

from ...backends.base import ModelSpec
from ...errors import ConfigError
from ...results.native import write_json
from ...results.run_result import RunResult
from ..base import Executed, RunSpec, Task
from .finalize import finalize_benchmark
from .judging import BenchJudge, is_judged
from .pipeline import run_bench_item
from .plan import STRATEGIES, plan_benchmark

__all__ = ["BenchmarkTask"]


class BenchmarkTask(Task):
    name = "benchmark"
    strategies = STRATEGIES
    #: the fingerprint's version of the benchmark prompts and scoring
    version = 1

    @classmethod
    def handles(cls, task: str) -> bool:
        from ...benchmarks.registry import ALIASES, benchmark_names
        return task.lower() in benchmark_names() or task.lower() in ALIASES

    @classmethod
    def names(cls) -> tuple[str, ...]:
        from ...benchmarks.registry import benchmark_names
        return tuple(benchmark_names())

    def check(self) -> None:
        proc = self.recipe.processor
        if proc is not None and proc.active:
            raise ConfigError("processors apply to gen_qa only (as in Nova)", field="processor")
        bs = self.recipe.assay.benchmark
        if bs.evaluate_base_model and not bs.base_model:
            raise ConfigError("evaluate_base_model is on but no base model is named; set "
                              "assay.benchmark.base_model or pass --base-model",
                              field="assay.benchmark.base_model")

    async def open(self) -> None:
        self.plan = plan_benchmark(self.recipe, self.base)
        # a judged benchmark (strong_reject) with a judge named in the recipe: judging.py
        j = self.recipe.judge
        self.judge = BenchJudge(ModelSpec.parse(j.model, j.model_args)) \
            if is_judged(self.plan.benchmark) and "model" in j.model_fields_set else None
        if self.judge is not None and self.recipe.assay.benchmark.samples > 1:
            raise ConfigError(f"{self.plan.benchmark.name} with a judge scores one generation "
                              "per item; drop assay.benchmark.samples or the judge",
                              field="assay.benchmark.samples")

    async def aclose(self) -> None:
        if getattr(self, "judge", None) is not None:
            await self.judge.aclose()

    def _spec(self, name: str, model: str, args: dict, system: str | None) -> RunSpec:
        plan = self.plan
        bs = self.recipe.assay.benchmark
        run_one = functools.partial(run_bench_item, benchmark=plan.benchmark,
                                    method=plan.scoring.method, system=system,
                                    samples=bs.samples, pass_k=tuple(bs.pass_k))
        return RunSpec(
            name=name, model=ModelSpec.parse(model, args), info=plan.info,
            samples=lambda: iter(plan.items), run_one=run_one,
            fingerprint={"benchmark": plan.benchmark.name, "subtasks": plan.subtasks,
                         "strategy": plan.strategy, "shots": plan.shots, "cot": plan.cot,
                         "method": plan.scoring.method, "system": system,
                         "version": self.version,
                         **({"samples": bs.samples, "pass_k": list(bs.pass_k)}
                            if bs.samples > 1 else {}),
                         **({"judge": self.judge.name} if self.judge else {})},
            label=name, stop=tuple(getattr(plan.benchmark, "stop", ())),
            extra={"system": system},
            image_rows=sum(1 for it in plan.items if it.images),   # MMMU: refused up front
            state=self.judge)

    def runs(self) -> list[RunSpec]:
        a, bs = self.recipe.assay, self.recipe.assay.benchmark
        name = self.recipe.run.name
        specs = [self._spec(name, a.model, a.model_args, bs.system_prompt)]
        if bs.base_model:
            base_system = bs.base_system_prompt if bs.base_system_prompt is not None \
                else bs.system_prompt
            specs.append(self._spec(f"{name}/base", bs.base_model, bs.base_model_args,
                                    base_system))
        return specs

    def finalize(self, executed: Executed) -> RunResult:
        """The outputs, with the ``scoring`` block (strategy, method, why, and the console
        line) added to ``metrics.json``."""
        from dataclasses import replace

        from .strategy import scoring_note

        result = finalize_benchmark(self.recipe, self.plan, executed,
                                    executed.spec.extra["system"])
        scoring = self.plan.scoring
        note = scoring_note(scoring, result.summary["methods"], result.model)
        how = getattr(self.plan.benchmark, "scoring_note", None)   # how a metric was judged
        if how is not None:
            judge = getattr(self, "judge", None)
            note += "; " + how(judge.name if judge is not None else None)
        summary = dict(result.summary, scoring=dict(scoring.to_dict(), note=note))
        write_json(result.run_dir / "metrics.json", summary)
        return replace(result, summary=summary)

    def combine(self, results: list[RunResult]) -> RunResult:
        if len(results) == 1:
            return results[0]
        from .compare import compare_records

        result, base_result = results
        a, bs = self.recipe.assay, self.recipe.assay.benchmark
        task = self.recipe.evaluation.task
        comparison = compare_records(
            base_result, result, metrics=result.summary["metric_names"], seed=a.seed,
            n_resamples=bs.bootstrap_resamples,
            keys={s: self.plan.key(task, s) for s in self.plan.subtasks})
        write_json(result.run_dir / "comparison.json", comparison)
        paths = dict(result.paths, comparison=str(result.run_dir / "comparison.json"),
                     base_run=str(base_result.run_dir))
        summary = dict(result.summary, comparison=comparison,
                       base_n_errors=base_result.summary["n_errors"])
        write_json(result.run_dir / "metrics.json", summary)
        self._base_summary: dict[str, Any] | None = base_result.summary
        return RunResult(run_dir=result.run_dir, task=result.task, model=result.model,
                         summary=summary, paths=paths)

    def print_summary(self, result: RunResult) -> None:
        from .console import print_benchmark, print_comparison

        print_benchmark(result.summary, title=f"{self.recipe.run.name} · {result.model}")
        base = getattr(self, "_base_summary", None)
        if base is not None:
            print_benchmark(base, title=f"base · {base['model']}")
            print_comparison(result.summary["comparison"])

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        """report.html, and comparison.png redrawn from comparison.json when there is one."""
        import json

        from ...errors import RunStateError
        from .report import write_benchmark_report

        d = Path(run_dir)
        written = [write_benchmark_report(d)]
        comp_path = d / "comparison.json"
        if comp_path.is_file():
            try:
                comparison = json.loads(comp_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise RunStateError("unreadable comparison.json", file=comp_path) from None
            if comparison.get("primary_metric") is not None:
                from .figure import write_comparison_figure
                written.append(write_comparison_figure(comparison, d / "comparison.png"))
        return written
