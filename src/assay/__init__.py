"""assay: evaluate language models locally, the way the managed cloud evaluators do.

Public API (imported lazily, so ``import assay`` stays fast)::

    import assay
    result = assay.evaluate("recipe.yaml", assay__data="data.jsonl", assay__model="local/smollm2")
    result.metrics          # {"em": ..., "em_stderr": ..., ...}
    result.to_pandas()      # per-example records
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "evaluate": "assay.runner.run",
    "evaluate_async": "assay.runner.run",
    "RunOptions": "assay.runner.run",
    "RunResult": "assay.results.run_result",
    "load_run": "assay.results.run_result",
    "load_recipe": "assay.config.loader",
    "Recipe": "assay.config.recipe",
    "ModelSpec": "assay.backends.base",
    "create_backend": "assay.backends.base",
    "register_backend": "assay.backends.base",
    "GenerationSettings": "assay.backends.types",
    "Message": "assay.backends.types",
    "Completion": "assay.backends.types",
    "InferenceRequest": "assay.backends.types",
    "GenQADataset": "assay.data.gen_qa",
    "Sample": "assay.data.sample",
    "GenQAScorer": "assay.metrics",
    "GEN_QA_METRICS": "assay.metrics",
    "reweight_run": "assay.tasks.rubric_judge.reweight",
    "run_tournament": "assay.tasks.pairwise_judge.tournament",
    "generate_pairs": "assay.tasks.gen_qa.generate",
    "report_run": "assay.tasks.reporting",
    "get_benchmarks": "assay.benchmarks",
    "get_benchmark_properties": "assay.benchmarks",
    "get_builtin_metrics": "assay.judges.pointwise",   # the Bedrock judge metrics (issue 14)
    "AssayError": "assay.errors",
    "UserInputError": "assay.errors",
    "ConfigError": "assay.errors",
    "DataError": "assay.errors",
    "jobs": "assay.jobs",   # a submodule: assay.jobs.start(...), assay.jobs.list()
    "compare": "assay.compare",   # a submodule: compare_runs(load_compared_run(a), ...)
    "list_runs": "assay.results.run_index",
    "query_run": "assay.results.query",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assay' has no attribute '{name}'")
    value = import_module(module) if module == f"assay.{name}" \
        else getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
