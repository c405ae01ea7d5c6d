"""The benchmark registry: names (and Nova/lm-eval aliases) → Benchmark objects."""

from __future__ import annotations

import difflib
from enum import Enum
from importlib import import_module
from typing import Any

from ..errors import ConfigError
from .base import Benchmark

__all__ = ["register_benchmark", "get_benchmark", "benchmark_names", "get_benchmarks",
           "get_benchmark_properties", "resolve_benchmark", "UnknownBenchmark"]

#: modules that define the built-in benchmarks (imported on first use)
_MODULES = ("mmlu", "bbh", "gsm8k", "hendrycks_math", "hellaswag", "winogrande", "arc",
            "truthfulqa", "piqa", "boolq", "race", "mmlu_pro", "gpqa", "aime",
            "calendar_scheduling", "strong_reject", "mmmu", "ifeval", "humaneval")

#: other spellings → (benchmark, subtask or None)
ALIASES: dict[str, tuple[str, str | None]] = {
    "arc_easy": ("arc", "easy"), "arc_challenge": ("arc", "challenge"),
    "arc_e": ("arc", "easy"), "arc_c": ("arc", "challenge"),
    "truthfulqa_mc1": ("truthfulqa", "mc1"), "truthfulqa_mc2": ("truthfulqa", "mc2"),
    "truthful_qa": ("truthfulqa", None),
    "race_high": ("race", "high"), "race_middle": ("race", "middle"),
    "math500": ("math_500", None), "hendrycks_math": ("math", None),
    "competition_math": ("math", None), "gsm8k_cot": ("gsm8k", None),
    "bbh_cot_fewshot": ("bbh", None),
    "mmlu-pro": ("mmlu_pro", None), "gpqa_diamond": ("gpqa", None),
    "aime24": ("aime_2024", None), "aime2024": ("aime_2024", None),
    "strongreject": ("strong_reject", None),
    "natural_plan_calendar": ("calendar_scheduling", None),
}

_REGISTRY: dict[str, Benchmark] = {}
_loaded = False


class UnknownBenchmark(ConfigError, ValueError):
    """An unknown benchmark name (a ValueError too, as the SageMaker SDK raises)."""


def register_benchmark(cls: type[Benchmark]) -> type[Benchmark]:
    """Class decorator: register one instance under ``cls.name``."""
    _REGISTRY[cls.name] = cls()
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for m in _MODULES:
            import_module(f"{__package__}.{m}")
        _loaded = True


def benchmark_names() -> list[str]:
    _load()
    return list(_REGISTRY)


def resolve_benchmark(name: str) -> tuple[Benchmark, str | None]:
    """``name`` or an alias → (benchmark, the subtask the alias implies)."""
    _load()
    key = (name or "").strip().lower()
    if key in _REGISTRY:
        return _REGISTRY[key], None
    if key in ALIASES:
        bench, sub = ALIASES[key]
        return _REGISTRY[bench], sub
    close = difflib.get_close_matches(key, list(_REGISTRY) + list(ALIASES), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise UnknownBenchmark(f"Benchmark '{name}' not found in configuration.{hint} Available "
                           f"benchmarks: {', '.join(_REGISTRY)}", field="evaluation.task")


def get_benchmark(name: str) -> Benchmark:
    return resolve_benchmark(name)[0]


def get_benchmarks() -> type[Enum]:
    """An enum of the benchmark names (``str`` members), as the SageMaker SDK returns."""
    _load()
    return Enum("Benchmark", {n.upper(): n for n in _REGISTRY}, type=str)


def get_benchmark_properties(benchmark: Any) -> dict[str, Any]:
    """Description, subtasks, metrics, strategy, citation, task_type, num_samples and
    dataset_info of one benchmark (a name, an alias or a member of :func:`get_benchmarks`)."""
    name = benchmark.value if isinstance(benchmark, Enum) else str(benchmark)
    return resolve_benchmark(name)[0].properties()
