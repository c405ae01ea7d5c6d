"""llm_judge: pairwise LLM-as-a-judge with forward and backward passes; tournaments."""

from .summary import judge_summary
from .task import PairwiseJudgeTask

__all__ = ["PairwiseJudgeTask", "judge_summary"]
