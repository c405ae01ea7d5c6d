"""``get_benchmarks()`` and ``get_benchmark_properties()`` with the SageMaker SDK's enum
members and property keys (formats.md §3), and which of them assay can run.

The enum and the properties are the SDK's, whatever assay implements, so code that lists or
inspects benchmarks behaves the same. Every member but ``llm_judge`` (a judge over your own
data: ``LLMAsJudgeEvaluator``) is an assay benchmark of the same name; a member whose module
is missing fails when it is evaluated (:func:`assay_benchmark`), never at import.
MMLU's 57 subjects come from assay's own registry (the same names)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from ..benchmarks.bbh import TASKS as BBH_TASKS
from ..benchmarks.hendrycks_math import SUBJECTS as MATH_SUBJECTS

__all__ = ["_Benchmark", "get_benchmarks", "get_benchmark_properties", "benchmark_config",
           "assay_benchmark", "UNAVAILABLE_BENCHMARKS", "unavailable_reason"]


class _Benchmark(str, Enum):
    """The benchmarks of ``sagemaker.train.evaluate`` (the SDK's internal ``_Benchmark``)."""

    MMLU = "mmlu"
    MMLU_PRO = "mmlu_pro"
    BBH = "bbh"
    GPQA = "gpqa"
    MATH = "math"
    STRONG_REJECT = "strong_reject"
    IFEVAL = "ifeval"
    MMMU = "mmmu"
    LLM_JUDGE = "llm_judge"


_BBH = BBH_TASKS            # the same 27 task names as assay's BBH
_MATH = tuple(MATH_SUBJECTS)  # the same 7 subjects as assay's MATH
_MMMU = ("Accounting", "Agriculture", "Architecture_and_Engineering", "Art", "Art_Theory",
         "Basic_Medical_Science", "Biology", "Chemistry", "Clinical_Medicine", "Computer_Science",
         "Design", "Diagnostics_and_Laboratory_Medicine", "Economics", "Electronics",
         "Energy_and_Power", "Finance", "Geography", "History", "Literature", "Manage",
         "Marketing", "Materials", "Math", "Mechanical_Engineering", "Music", "Pharmacy",
         "Physics", "Psychology", "Public_Health", "Sociology")

#: (modality, description, metrics, strategy, subtask_available, subtasks or None)
_CONFIG: dict[_Benchmark, tuple[str, str, tuple[str, ...], str, bool, Any]] = {
    _Benchmark.MMLU: ("Text", "Multi-task Language Understanding – Tests knowledge across 57 "
                      "subjects.", ("accuracy",), "zs_cot", True, "mmlu"),
    _Benchmark.MMLU_PRO: ("Text", "MMLU – Professional Subset – Focuses on professional "
                          "domains such as law, medicine, accounting, and engineering.",
                          ("accuracy",), "zs_cot", False, None),
    _Benchmark.BBH: ("Text", "Advanced Reasoning Tasks – A collection of challenging problems "
                     "that test higher-level cognitive and problem-solving skills.",
                     ("accuracy",), "fs_cot", True, _BBH),
    _Benchmark.GPQA: ("Text", "General Physics Question Answering – Assesses comprehension of "
                      "physics concepts and related problem-solving abilities.", ("accuracy",),
                      "zs_cot", False, None),
    _Benchmark.MATH: ("Text", "Mathematical Problem Solving – Measures mathematical reasoning "
                      "across topics including algebra, calculus, and word problems.",
                      ("exact_match",), "zs_cot", True, _MATH),
    _Benchmark.STRONG_REJECT: ("Text", "Quality-Control Task – Tests the model's ability to "
                               "detect and reject inappropriate, harmful, or incorrect content.",
                               ("deflection",), "zs", True, None),
    _Benchmark.IFEVAL: ("Text", "Instruction-Following Evaluation – Gauges how accurately a "
                        "model follows given instructions and completes tasks to specification.",
                        ("accuracy",), "zs", False, None),
    _Benchmark.MMMU: ("Multi-Modal", "Massive Multidiscipline Multimodal Understanding (MMMU) – "
                      "College-level benchmark comprising multiple-choice and open-ended "
                      "questions from 30 disciplines.", ("accuracy",), "zs_cot", True, _MMMU),
    _Benchmark.LLM_JUDGE: ("Text", "LLM-as-a-Judge - Uses a user-selected judge model to judge a "
                           "set of customer-provided inference responses.", ("all",), "judge",
                           False, None),
}

#: SDK benchmarks that are not assay benchmarks at all, and what to do instead
UNAVAILABLE_BENCHMARKS: dict[str, str] = {
    "llm_judge": "use LLMAsJudgeEvaluator (a judge over your own dataset) instead",
}


def unavailable_reason(value: str) -> str | None:
    """Why assay cannot run SDK benchmark ``value``, or None when it can: every other member
    runs when assay's registry has a module of that name (``assay benchmarks list``)."""
    if value in UNAVAILABLE_BENCHMARKS:
        return UNAVAILABLE_BENCHMARKS[value]
    from ..benchmarks.registry import benchmark_names

    return None if value in benchmark_names() else f"assay has no {value} module"


def _subtasks(spec: Any) -> list[str] | None:
    if spec is None:
        return None
    if spec == "mmlu":
        from ..benchmarks.registry import get_benchmark

        return list(get_benchmark("mmlu").subtasks)
    return list(spec)


def get_benchmarks() -> type[_Benchmark]:
    """The benchmark enum: ``Benchmark = get_benchmarks(); Benchmark.MMLU``."""
    return _Benchmark


def _member(benchmark: Any) -> _Benchmark | None:
    try:
        return _Benchmark(benchmark.value if isinstance(benchmark, Enum) else benchmark)
    except ValueError:
        return None


def get_benchmark_properties(benchmark: Any) -> dict[str, Any]:
    """``modality``, ``description``, ``metrics``, ``strategy``, ``subtask_available``,
    ``subtasks`` of one benchmark (a member of :func:`get_benchmarks` or its value)."""
    member = _member(benchmark)
    if member is None:
        value = benchmark.value if isinstance(benchmark, Enum) else benchmark
        raise ValueError(f"Benchmark '{value}' not found in configuration. Available "
                         f"benchmarks: {', '.join(b.value for b in _CONFIG)}")
    return benchmark_config(member)


def benchmark_config(benchmark: _Benchmark) -> dict[str, Any]:
    modality, description, metrics, strategy, available, subtasks = _CONFIG[benchmark]
    return {"modality": modality, "description": description, "metrics": list(metrics),
            "strategy": strategy, "subtask_available": available,
            "subtasks": _subtasks(subtasks)}


def assay_benchmark(benchmark: _Benchmark) -> str:
    """The assay task that runs ``benchmark``; ``ValueError`` naming what to do when assay has
    none."""
    value = _Benchmark(benchmark).value
    reason = unavailable_reason(value)
    if reason is not None:
        runs = ", ".join(b.value for b in _CONFIG if unavailable_reason(b.value) is None)
        raise ValueError(f"Benchmark '{value}' is not available in assay: {reason}. assay "
                         f"runs: {runs} (and more through assay's own recipes: assay "
                         "benchmarks list)")
    from ..benchmarks.registry import resolve_benchmark

    return resolve_benchmark(value)[0].name
