"""llm_judge: pairwise LLM-as-a-judge with forward and backward passes; tournaments;
mm_llm_judge, whose judge also sees the images."""

from .multimodal import MultimodalJudgeTask
from .summary import judge_summary
from .task import PairwiseJudgeTask

__all__ = ["PairwiseJudgeTask", "MultimodalJudgeTask", "judge_summary"]
