"""The gen_qa task (Nova): a model answers each query; built-in metrics, scorer presets and
the user's processors score the answer against the reference."""

from __future__ import annotations

import sys
from pathlib import Path

from ...backends.base import ModelSpec
from ...backends.retry import RetryPolicy
from ...config.paths import resolve_path
from ...data.gen_qa import GenQADataset
from ...metrics import GenQAScorer, resolve_metrics
from ...results.run_result import RunResult
from ...rewards.loader import is_rft_processor
from ..base import Executed, RunSpec, Task
from .finalize import finalize_gen_qa
from .pipeline import GenQAState, run_example
from .scoring import load_scorers

__all__ = ["GenQATask"]


class GenQATask(Task):
    name = "gen_qa"
    needs_data = True
    strategies = ("gen_qa",)
    uses_processor = True

    async def open(self) -> None:
        recipe, a = self.recipe, self.recipe.assay
        if recipe.inference.reasoning_effort is not None:
            print(f"warning: inference.reasoning_effort={recipe.inference.reasoning_effort} is "
                  f"a Nova 2 Lite setting; {a.model} ignores it", file=sys.stderr)
        self.metric_names = resolve_metrics(a.metrics)
        self.scorer = GenQAScorer(self.metric_names)
        self.scorers = load_scorers(a.scorers, self.metric_names) if a.scorers else []
        self.dataset = GenQADataset(resolve_path(a.data, self.base), limit=a.limit)
        self.info = self.dataset.validate()
        self.processor = None
        proc = recipe.processor
        if is_rft_processor(proc):   # lambda_type: rft / a preset: the RFT reward contract
            from ...rewards.loader import reward_function_for
            from ...rewards.postprocessor import RewardPostprocessor
            self.processor = RewardPostprocessor(reward_function_for(
                recipe, base_dir=self.base, retry=RetryPolicy(seed=a.seed)))
        elif proc is not None and proc.active:
            from ...processors.loader import load_processor
            self.processor = load_processor(proc, base_dir=self.base,
                                            retry=RetryPolicy(seed=a.seed))
        elif proc is not None and (proc.preprocessing.enabled or proc.postprocessing.enabled):
            print("note: the recipe's processor block names no lambda_arn, path or url; "
                  "it is inactive", file=sys.stderr)

    async def aclose(self) -> None:
        if getattr(self, "processor", None) is not None:
            await self.processor.aclose()

    def runs(self) -> list[RunSpec]:
        a, proc = self.recipe.assay, self.recipe.processor
        state = GenQAState(scorer=self.scorer, processor=self.processor,
                           preprocess=bool(self.processor and proc.preprocessing.enabled
                                           and not is_rft_processor(proc)),
                           postprocess=bool(self.processor and (proc.postprocessing.enabled
                                                                or is_rft_processor(proc))),
                           scorers=tuple(self.scorers),
                           label_field=a.calibration.label_field)
        return [RunSpec(name=self.recipe.run.name, model=ModelSpec.parse(a.model, a.model_args),
                        info=self.info, samples=self.dataset.iter_samples, run_one=run_example,
                        fingerprint=self.metric_names, label=self.recipe.run.name,
                        state=state, image_rows=self.info.image_rows)]

    def finalize(self, executed: Executed) -> RunResult:
        return finalize_gen_qa(self.recipe, executed.store, executed.manifest,
                               executed.unit_ids, self.scorer, self.metric_names,
                               executed.model, executed.start, self.scorers)

    def print_summary(self, result: RunResult) -> None:
        from ...reports.calibration_console import print_calibration
        from ...reports.console import print_summary
        print_summary(result.summary, title=f"{self.recipe.run.name} · {result.model}")
        print_calibration(result.summary.get("calibration"))

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        from .report import write_gen_qa_report
        return [write_gen_qa_report(run_dir)]
