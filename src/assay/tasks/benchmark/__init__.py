"""Standard benchmarks as a task: MMLU, BBH, GSM8K, MATH, ARC, ... (see assay.benchmarks)."""

from .plan import BenchPlan, plan_benchmark
from .task import BenchmarkTask

__all__ = ["BenchmarkTask", "BenchPlan", "plan_benchmark"]
