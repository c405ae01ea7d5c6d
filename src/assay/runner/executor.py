"""The ``Executor`` protocol: how planned work units get run.

An executor receives an :class:`ExecutionJob` (the run store, the units still to do, the
samples, the per-example coroutine and its context) and must leave one unit file per unit in
the store, written atomically, each holding that unit's records in dataset order. It may run
units anywhere (this process, Ray workers); the aggregates are computed afterwards from the
merged records, so any executor gives byte-identical results. Tasks never see executors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import RunAborted

__all__ = ["Executor", "ExecutionJob", "check_failure_share"]


@dataclass
class ExecutionJob:
    """Everything an executor needs for one run.

    ``recipe``, ``spec`` and ``base`` let an executor that runs elsewhere rebuild the backend
    and the context there; ``ctx`` is the context for running in this process."""

    recipe: Any
    spec: Any                       # tasks.base.RunSpec
    base: Any
    store: Any                      # results.store.RunStore
    ctx: Any                        # runner.context.ExampleContext
    progress: Any                   # runner.progress.Progress
    samples: Callable[[], Iterable[Any]]
    units: list[Any]                # runner.plan.Unit, in dataset order
    finished: set[str]
    redo: dict[str, list[dict]]
    concurrency: int
    max_failure_share: float
    retry: str = "transient"


@runtime_checkable
class Executor(Protocol):
    async def run(self, job: ExecutionJob) -> None:
        """Execute every unit not in ``job.finished`` and the retried examples of
        ``job.redo``'s units; raise RunAborted past the failure share."""
        ...


def check_failure_share(done: int, failed: int, share: float, min_examples: int = 20) -> None:
    """Raise :class:`RunAborted` when more than ``share`` of the ``done`` examples failed
    (checked from the ``min_examples``-th on). Every executor applies this one rule."""
    if done >= min_examples and failed / done > share:
        raise RunAborted(
            f"{failed} of {done} examples failed, more than the allowed share {share:.0%} "
            f"(assay.max_failure_share); finished units are kept; fix the cause and rerun with "
            f"--resume (failures of a transient kind are asked again; --retry-errors all asks "
            f"every failed example again)")
