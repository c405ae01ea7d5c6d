"""The execution subclasses of each evaluation type, with their ``show_results()``."""

from __future__ import annotations

from .constants import EvalType
from .execution import EvaluationPipelineExecution, register_kind

__all__ = ["BenchmarkEvaluationExecution", "CustomScorerEvaluationExecution",
           "LLMAJEvaluationExecution"]


class BenchmarkEvaluationExecution(EvaluationPipelineExecution):
    """A benchmark evaluation: custom model (and base model) on the benchmark's items."""

    def show_results(self) -> None:
        """The metrics of the custom and base models, and their paired difference with a 95%
        CI and p-value. ``ValueError`` unless the execution Succeeded."""
        self._check_succeeded()
        from .show_benchmark import show_benchmark_results

        show_benchmark_results(self)


class CustomScorerEvaluationExecution(BenchmarkEvaluationExecution):
    """A custom-scorer evaluation (gen_qa scored by a reward function); results as a
    benchmark's (the SDK shows both the same way)."""


class LLMAJEvaluationExecution(EvaluationPipelineExecution):
    """An LLM-as-judge evaluation: the model answers the dataset, a judge scores each answer."""

    def _on_success(self) -> None:
        from .results_io import LLMAJ_RESULTS, write_llmaj_results

        for run in self.run_dirs().values():
            if run is not None and not (run / "bedrock" / LLMAJ_RESULTS).is_file():
                write_llmaj_results(run)

    def show_results(self, limit: int | None = 5, offset: int = 0,
                     show_explanations: bool = False) -> None:
        """Per-metric scores, ``limit`` evaluations from ``offset`` (with the judge's
        explanations when asked) and, with a base model, the custom-vs-base win rates.
        ``ValueError`` unless the execution Succeeded."""
        self._check_succeeded()
        from .show_llmaj import show_llmaj_results

        show_llmaj_results(self, limit=limit, offset=offset,
                           show_explanations=show_explanations)


register_kind(EvalType.BENCHMARK, BenchmarkEvaluationExecution)
register_kind(EvalType.CUSTOM_SCORER, CustomScorerEvaluationExecution)
register_kind(EvalType.LLM_AS_JUDGE, LLMAJEvaluationExecution)
