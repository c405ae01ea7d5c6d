"""rubric_llm_judge: generated weighted criteria, weighted scores, offline reweighting."""

from .reweight import reweight_run
from .task import RubricJudgeTask

__all__ = ["RubricJudgeTask", "reweight_run"]
