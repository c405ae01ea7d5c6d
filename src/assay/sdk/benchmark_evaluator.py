"""``BenchMarkEvaluator``: a standard benchmark on the model, and on the base model over the
same items when asked (assay's ``benchmark`` task runs both in one job, with the paired
comparison in ``comparison.json``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import field_validator, model_validator

from .base import BaseEvaluator
from .benchmarks import _Benchmark, assay_benchmark, benchmark_config
from .constants import STEP_BASE, STEP_CUSTOM, EvalType

__all__ = ["BenchMarkEvaluator", "default_benchdata"]


def default_benchdata() -> str | None:
    """Where benchmark files are: ``$ASSAY_BENCHDATA``, else the first ``shared/benchdata``
    in or above the working directory (or beside the source checkout)."""
    env = os.environ.get("ASSAY_BENCHDATA")
    if env:
        return env
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for d in (start, *start.parents):
            if (d / "shared" / "benchdata").is_dir():
                return str(d / "shared" / "benchdata")
    return None


def _check_subtasks(value: Any, benchmark: _Benchmark) -> Any:
    config = benchmark_config(benchmark)
    b = benchmark.value
    subtasks = config["subtasks"]
    if not config["subtask_available"]:
        if value is not None:
            raise ValueError(f"Subtask is not supported for benchmark '{b}'. "
                             "Please set subtasks to None.")
        return None
    if value is None:
        return "ALL"
    if isinstance(value, list):
        if not value:
            raise ValueError(f"Subtask list cannot be empty for benchmark '{b}'. "
                             "Provide at least one subtask or use 'ALL'.")
        for st in value:
            if not isinstance(st, str):
                raise ValueError("All subtasks in the list must be strings. "
                                 f"Found {type(st).__name__}: {st}")
            if subtasks and st not in subtasks:
                raise ValueError(f"Invalid subtask '{st}' for benchmark '{b}'. "
                                 f"Available subtasks: {', '.join(subtasks)}")
        return value
    if isinstance(value, str):
        if value.upper() != "ALL" and subtasks and value not in subtasks:
            raise ValueError(f"Invalid subtask '{value}' for benchmark '{b}'. "
                             f"Available subtasks: {', '.join(subtasks)}")
        return value
    raise ValueError("Subtask must be a string, a list of strings, or 'ALL'. "
                     f"Got {type(value).__name__}")


class BenchMarkEvaluator(BaseEvaluator):
    """A benchmark of :func:`~assay.sdk.get_benchmarks` on ``model`` (and on
    ``base_model_name`` with ``evaluate_base_model=True``)."""

    _eval_type: ClassVar[EvalType] = EvalType.BENCHMARK

    benchmark: _Benchmark
    subtasks: Any = None   # str | list[str] | None, checked with the SDK's messages
    evaluate_base_model: bool = False

    @field_validator("benchmark", mode="before")
    @classmethod
    def _check_benchmark(cls, v: Any) -> Any:
        value = v.value if hasattr(v, "value") else v
        try:
            return _Benchmark(value)
        except ValueError:
            raise ValueError(f"Benchmark '{value}' not found in configuration. Available "
                             f"benchmarks: {', '.join(b.value for b in _Benchmark)}") from None

    @model_validator(mode="after")
    def _check_subtasks_field(self) -> "BenchMarkEvaluator":
        self.__dict__["subtasks"] = _check_subtasks(self.subtasks, self.benchmark)
        return self

    def _subtask(self, subtask: Any) -> str | None:
        """The recipe's ``evaluation.subtask``: None for all, else comma-separated."""
        value = _check_subtasks(subtask if subtask is not None else self.subtasks,
                                self.benchmark)
        if value is None or (isinstance(value, str) and value.upper() == "ALL"):
            return None
        return ",".join(value) if isinstance(value, list) else value

    def _defaults(self, subtask: Any = None) -> dict[str, Any]:
        config = benchmark_config(self.benchmark)
        evaluation = self._evaluation(self.benchmark.value, config["strategy"],
                                      config["metrics"][0])
        sub = self._subtask(subtask)
        if sub:
            evaluation["subtask"] = sub
        assay = self._assay_section()
        data = default_benchdata()
        if data:
            assay["data"] = data
        if self.evaluate_base_model:
            bench: dict[str, Any] = {"evaluate_base_model": True,
                                     "base_model": self.base_model_name}
            if self.base_model_args:
                bench["base_model_args"] = dict(self.base_model_args)
            assay["benchmark"] = bench
        return {"run": self._run_section(), "evaluation": evaluation,
                "inference": self._inference(), "assay": assay}

    def get_resolved_recipe(self, subtask: Any = None) -> dict[str, Any]:
        """The recipe of :meth:`BaseEvaluator.get_resolved_recipe` (``subtask`` overrides the
        evaluator's ``subtasks``)."""
        from .resolution import read_user_recipe, resolve_recipe

        user = read_user_recipe(self.recipe) if self.recipe else None
        return resolve_recipe(self._defaults(subtask), user, self.overrides)

    def _plans(self, resolved: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [("custom", resolved)]   # the benchmark task runs the base model itself

    def _base_inside_custom_run(self) -> bool:
        return self.evaluate_base_model

    def _step_specs(self, plans: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        if not self.evaluate_base_model:
            return [{"name": STEP_CUSTOM, "display_name": f"{STEP_CUSTOM} ({self.model})",
                     "role": "custom", "part": "all"}]
        return [{"name": STEP_CUSTOM, "display_name": f"{STEP_CUSTOM} ({self.model})",
                 "role": "custom", "part": "custom"},
                {"name": STEP_BASE, "display_name": f"{STEP_BASE} ({self.base_model_name})",
                 "role": "custom", "part": "base"}]

    def evaluate(self, subtask: Any = None, dry_run: bool = False) -> Any:
        """Run the benchmark (``subtask``: one, a list, or ``"ALL"``; default the evaluator's
        ``subtasks``). A benchmark assay lacks is a ValueError here, not at import."""
        from .launch import launch, validate_plans

        assay_benchmark(self.benchmark)
        plans = self._plans(self.get_resolved_recipe(subtask))
        validate_plans(plans)
        if dry_run:
            return None
        self._execution = launch(self, plans)
        return self._execution
