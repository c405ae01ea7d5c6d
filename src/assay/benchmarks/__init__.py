"""Standard benchmarks: a registry of modules (loading, prompt, answer extraction, scoring).

    from assay.benchmarks import get_benchmarks, get_benchmark_properties
    get_benchmark_properties("mmlu")["subtasks"][:3]   # ['abstract_algebra', 'anatomy', ...]
"""

from .base import Benchmark
from .item import BenchItem
from .registry import (UnknownBenchmark, benchmark_names, get_benchmark, get_benchmark_properties,
                       get_benchmarks, register_benchmark, resolve_benchmark)

__all__ = ["Benchmark", "BenchItem", "UnknownBenchmark", "benchmark_names", "get_benchmark",
           "get_benchmark_properties", "get_benchmarks", "register_benchmark",
           "resolve_benchmark"]
