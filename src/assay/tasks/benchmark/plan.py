"""A benchmark run's plan: the benchmark, subtasks, strategy, few-shot count and the items,
identical for every model of the run."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ...benchmarks.base import Benchmark
from ...benchmarks.item import BenchItem
from ...benchmarks.registry import resolve_benchmark
from ...config.paths import resolve_path
from ...config.recipe import Recipe
from ...errors import BenchmarkDataMissing, ConfigError
from ...results.nova import task_key
from ..base import DatasetInfo
from .strategy import Scoring, resolve_scoring

__all__ = ["BenchPlan", "plan_benchmark", "STRATEGIES"]

STRATEGIES = ("zs", "zs_cot", "fs", "fs_cot")


@dataclass(frozen=True)
class BenchPlan:
    benchmark: Benchmark
    subtasks: list[str]
    strategy: str
    shots: int
    cot: bool
    root: Path
    items: list[BenchItem]
    info: DatasetInfo
    #: how the items are scored and why (:mod:`assay.tasks.benchmark.strategy`)
    scoring: Scoring

    def key(self, task: str, subtask: str = "") -> str:
        """``custom|<task>_<strategy>|<shots>`` overall (the recipe's task name), and
        ``custom|<benchmark>:<subtask>_<strategy>|<shots>`` per subtask."""
        name = f"{self.benchmark.name}:{subtask}" if subtask else task
        return task_key(name, self.strategy, self.shots)


def _data_root(recipe: Recipe, bench: Benchmark, base: Path | None, subtasks: list[str],
               shots: int) -> Path:
    """The benchmark's data folder; with ``download`` on, the data is fetched there when it
    does not load (only the subtasks and few-shot split the run needs)."""
    download = recipe.assay.benchmark.download
    fetch = ("" if download else " (or set assay.benchmark.download=true with a pinned revision "
             "to fetch it with the datasets library)")
    data = recipe.assay.data or os.environ.get("ASSAY_BENCHDATA")
    if not data and download:
        from ...benchmarks.hub import DEFAULT_DEST
        data = DEFAULT_DEST
    if not data:
        raise BenchmarkDataMissing(
            f"benchmark {bench.name}: no data folder; pass --data DIR (the benchmark's folder, or "
            "a folder holding it) or set ASSAY_BENCHDATA (see docs/benchmarks.md)" + fetch,
            field="assay.data")
    root = resolve_path(data, base if recipe.assay.data else None)   # env: the caller's
    if download:      # the data where it loads, else fetched into root/<benchmark>
        from ...benchmarks.hub import ensure_benchmark_data
        return ensure_benchmark_data(bench, subtasks, root, shots=shots,
                                     revision=recipe.assay.benchmark.revision)
    if not root.is_dir():
        raise BenchmarkDataMissing(f"benchmark {bench.name}: data folder {root} does not exist; "
                                   "put the benchmark's files there (see docs/benchmarks.md)"
                                   + fetch, field="assay.data")
    for name in (bench.name, bench.dataset_info.get("folder")):
        if name and (root / name).is_dir():
            return root / name
    return root


def plan_benchmark(recipe: Recipe, base: Path | None = None) -> BenchPlan:
    """Resolve the benchmark, subtasks, scoring (strategy, chain of thought, method) and
    few-shot count, and build the items."""
    ev, bs = recipe.evaluation, recipe.assay.benchmark
    bench, alias_sub = resolve_benchmark(ev.task)
    given = ev.strategy or None        # Nova's strategy: "" is no strategy
    if given is not None and given not in STRATEGIES:
        raise ConfigError(f"strategy '{given}' is not valid for benchmark {bench.name} "
                          f"(expected {', '.join(STRATEGIES)})", field="evaluation.strategy")
    if ev.metric not in (None, "all", "accuracy", "exact_match", *bench.metrics):
        raise ConfigError(f"metric '{ev.metric}' is not reported by {bench.name} (it reports "
                          f"{', '.join(bench.metrics)}; 'all' for every one)",
                          field="evaluation.metric")
    requested = [s.strip() for s in (ev.subtask or "").split(",") if s.strip()]
    if alias_sub and not requested:
        requested = [alias_sub]
    subtasks = bench.resolve_subtasks(requested or None)
    scoring = resolve_scoring(bench, subtasks, strategy=given, method=bs.method,
                              cot=bs.cot, num_fewshot=bs.num_fewshot)
    strategy, cot = scoring.strategy, scoring.cot
    shots = bs.num_fewshot if bs.num_fewshot is not None else \
        (bench.default_fewshot if strategy.startswith("fs") else 0)
    root = _data_root(recipe, bench, base, subtasks, shots)
    items = bench.items(root, subtasks, num_fewshot=shots, method=scoring.method, cot=cot,
                        limit=recipe.assay.limit)
    if not items:
        raise BenchmarkDataMissing(f"benchmark {bench.name}: no items under {root}",
                                   field="assay.data")
    digest = hashlib.sha256()
    for it in items:
        digest.update(json.dumps(it.to_dict(), sort_keys=True, default=str).encode())
    info = DatasetInfo(path=str(root), rows=len(items), fingerprint=digest.hexdigest())
    return BenchPlan(bench, subtasks, strategy, shots, cot, root, items, info, scoring)


