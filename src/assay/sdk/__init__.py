"""The SageMaker Python SDK's evaluation API (``sagemaker.train.evaluate``), run locally by
assay. A notebook written for the SDK runs with the import changed and model and output
names that assay understands (docs/sdk.md)::

    from assay.sdk import BenchMarkEvaluator, get_benchmarks

    Benchmark = get_benchmarks()
    evaluator = BenchMarkEvaluator(benchmark=Benchmark.MMLU, subtasks="abstract_algebra",
                                   model="local/smollm2", s3_output_path="./eval-output")
    execution = evaluator.evaluate()
    execution.wait()
    execution.show_results()

``InspectAIEvaluator`` and ``MultiTurnRLEvaluator`` are not offered.
"""

from __future__ import annotations

from .base import BaseEvaluator
from .benchmark_evaluator import BenchMarkEvaluator
from .benchmarks import get_benchmark_properties, get_benchmarks
from .constants import EvalType
from .custom_scorer_evaluator import CustomScorerEvaluator
from .execution import (EvaluationPipelineExecution, FailedStatusError, PipelineExecutionStatus,
                        StepDetail, TimeoutExceededError)
from .judges import configure_judge
from .kinds import (BenchmarkEvaluationExecution, CustomScorerEvaluationExecution,
                    LLMAJEvaluationExecution)
from .llm_as_judge_evaluator import LLMAsJudgeEvaluator
from .metrics import get_builtin_metrics

__all__ = [
    "BaseEvaluator",
    "BenchMarkEvaluator",
    "CustomScorerEvaluator",
    "LLMAsJudgeEvaluator",
    "get_benchmarks",
    "get_benchmark_properties",
    "get_builtin_metrics",
    "EvaluationPipelineExecution",
    "PipelineExecutionStatus",
    "StepDetail",
    "EvalType",
    "BenchmarkEvaluationExecution",
    "CustomScorerEvaluationExecution",
    "LLMAJEvaluationExecution",
    "FailedStatusError",
    "TimeoutExceededError",
    "configure_judge",
]
