"""The rubric_llm_judge task (Nova): per pair, the judge writes weighted criteria, scores both
responses on each and gives a preference label, in both orders; weighted scores, margins,
calibration and offline reweighting on top of the pairwise judge's metrics."""

from __future__ import annotations

import functools
from pathlib import Path

from ..pairwise_judge.task import PairwiseJudgeTask
from .pipeline import run_rubric_example

__all__ = ["RubricJudgeTask"]


class RubricJudgeTask(PairwiseJudgeTask):
    name = "rubric_llm_judge"
    rubric = True

    def run_one(self):
        return functools.partial(run_rubric_example, mode=self.mode)

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        from .report import write_rubric_report
        return [write_rubric_report(run_dir), *cls._figures(run_dir)]
