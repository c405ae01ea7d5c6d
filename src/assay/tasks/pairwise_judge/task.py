"""The llm_judge task (Nova): every pair judged forward and backward by the judge model,
reconciled, then Nova's judge metrics, a Bradley-Terry win rate with a bootstrap CI, position
consistency and agreement with human labels."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from ...backends.base import ModelSpec
from ...config.paths import resolve_path
from ...data.llm_judge import LLMJudgeDataset
from ...results.run_result import RunResult
from ..base import Executed, RunSpec, Task
from .mode import JudgeMode, resolve_mode
from .pipeline import run_judge_example
from .summary import finalize_judge, print_judge

__all__ = ["PairwiseJudgeTask"]


class PairwiseJudgeTask(Task):
    name = "llm_judge"
    needs_data = True
    model_key = "judge.model"
    model_option = "--judge"
    strategies = ("judge",)
    #: the prompt template's version (part of the fingerprint)
    prompt_version = 1
    rubric = False
    #: whether the judge is shown each row's ``images`` (mm_llm_judge); a text judge task
    #: says that it leaves them out
    shows_images = False

    async def open(self) -> None:
        a = self.recipe.assay
        self.dataset = LLMJudgeDataset(resolve_path(a.data, self.base), limit=a.limit)
        self.info = self.dataset.validate()
        if self.info.image_rows and not self.shows_images:
            print(f"note: {self.name} judges text only: the images on {self.info.image_rows} "
                  f"row(s) of {self.info.path} are not shown to the judge (evaluation.task: "
                  "mm_llm_judge shows them)", file=sys.stderr)
        elif self.shows_images and not self.info.image_rows:
            print(f"note: no row of {self.info.path} has images: {self.name} judges the pairs "
                  "on their text", file=sys.stderr)

    @property
    def mode(self) -> JudgeMode:
        """Structured or free-text verdicts, and the top log-probabilities asked."""
        return resolve_mode(self.recipe.judge, self.recipe.inference)

    def run_one(self):
        return functools.partial(run_judge_example, followup=self.recipe.judge.followup,
                                 mode=self.mode, images=self.shows_images)

    def runs(self) -> list[RunSpec]:
        j = self.recipe.judge
        fingerprint = {"judge": j.model_dump(exclude={"structured", "top_logprobs"}),
                       "prompt_version": self.prompt_version,
                       "task": self.recipe.evaluation.task}
        mode = self.mode
        if mode.structured or mode.top_logprobs != self.recipe.inference.top_logprobs:
            # only then: free-text runs keep the fingerprint they had
            fingerprint["judge_mode"] = mode.fingerprint()
        return [RunSpec(name=self.recipe.run.name, model=ModelSpec.parse(j.model, j.model_args),
                        info=self.info, samples=self.dataset.iter_samples,
                        run_one=self.run_one(), fingerprint=fingerprint,
                        label=self.recipe.run.name,
                        image_rows=self.info.image_rows if self.shows_images else 0)]

    def finalize(self, executed: Executed) -> RunResult:
        return finalize_judge(self.recipe, executed.store, executed.manifest,
                              executed.unit_ids, executed.model, executed.start,
                              rubric=self.rubric)

    def print_summary(self, result: RunResult) -> None:
        print_judge(result.summary, self.recipe.run.name, result.model)

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        from .report import write_judge_report
        return [write_judge_report(run_dir), *cls._figures(run_dir)]

    @staticmethod
    def _figures(run_dir: Path) -> list[Path]:
        """The six-panel PNG beside the page (also inline in it), for slides and READMEs."""
        import json

        from .figure import write_judge_figure

        summary = json.loads((Path(run_dir) / "metrics.json").read_text(encoding="utf-8"))
        return [write_judge_figure(summary, Path(run_dir) / "judge_summary.png",
                                   title=f"{Path(run_dir).name}: B vs A judged by "
                                         f"{summary.get('model')}")]
