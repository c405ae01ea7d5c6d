"""llm_judge_pointwise: one response per example scored by pointwise judge metrics."""

from .task import PointwiseJudgeTask

__all__ = ["PointwiseJudgeTask"]
