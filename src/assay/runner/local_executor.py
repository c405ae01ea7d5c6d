"""Run planned units in this process: bounded concurrency, bounded memory, atomic unit files."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import RunStopped
from .executor import ExecutionJob, check_failure_share
from .plan import Unit
from .stop import stop_requested

__all__ = ["LocalExecutor"]


def _group(samples: Iterable[Any], units: list[Unit]) -> Iterator[tuple[Unit, list[Any]]]:
    it = iter(samples)
    for unit in units:
        batch = []
        for sample in it:
            batch.append(sample)
            if len(batch) == unit.size:
                break
        yield unit, batch


class LocalExecutor:
    """Executes units in this process (asyncio), with at most ``job.concurrency`` requests in
    flight and a bounded number of units in memory."""

    def __init__(self, *, min_examples_before_abort: int = 20) -> None:
        self.min_examples = min_examples_before_abort
        self.done = 0
        self.failed = 0

    async def _unit(self, unit: Unit, samples: list[Any],
                    previous: list[dict] | None = None) -> None:
        """Run a unit's samples and write the unit. With ``previous`` (a resumed unit), only
        the samples whose recorded failure is to be retried run again; the others keep
        their records."""
        if previous is not None:
            keep = {i: r for i, r in enumerate(previous)
                    if not self.store.should_retry(r, self.retry)}
            samples = [s for i, s in enumerate(samples) if i not in keep]
        if getattr(self.ctx.backend, "instant", False):
            # answers cost nothing (mock without latency, byoi): no task per example
            records = [await self._one(s) for s in samples]
        else:
            records = await asyncio.gather(*(self._one(s) for s in samples))
        if previous is not None:
            fresh = iter(records)
            records = [keep[i] if i in keep else next(fresh) for i in range(len(previous))]
        self.store.write_unit(unit.id, records)

    async def _one(self, sample: Any) -> Any:
        record = await self.run_one(sample, self.ctx)
        kind = None if record.error is None else record.error.kind
        # an unparseable judge verdict is a result about the judge: counted and shown as it
        # happens, but it does not count toward aborting the run
        failed = kind is not None and kind != "unparseable"
        self.done += 1
        self.failed += failed
        self.progress.advance(1, errors=int(failed), unparseable=int(kind == "unparseable"))
        return record

    def _check_abort(self) -> None:
        check_failure_share(self.done, self.failed, self.max_failure_share, self.min_examples)

    async def run(self, job: ExecutionJob) -> None:
        """Run every unit not in ``job.finished``, and the retried examples of ``job.redo``'s
        units, in this process."""
        self.store, self.ctx, self.progress = job.store, job.ctx, job.progress
        self.run_one, self.retry = job.spec.run_one, job.retry
        self.concurrency = max(1, job.concurrency)
        self.max_failure_share = job.max_failure_share
        self.done = self.failed = 0
        samples, units, finished, redo = job.samples(), job.units, job.finished, job.redo
        concurrency = self.concurrency
        size = max((u.size for u in units), default=1)
        in_flight_units = max(2, -(-concurrency // size) + 1)
        gate = asyncio.Semaphore(in_flight_units)
        pending: set[asyncio.Task] = set()
        errors: list[BaseException] = []

        def finished_cb(task: asyncio.Task) -> None:
            pending.discard(task)
            if not task.cancelled() and task.exception() is not None:
                errors.append(task.exception())

        async def guarded(unit: Unit, batch: list[Any]) -> None:
            try:
                await self._unit(unit, batch, redo.get(unit.id))
            finally:
                gate.release()

        try:
            stopped = False
            for unit, batch in _group(samples, units):
                if unit.id in finished and unit.id not in redo:
                    continue
                await gate.acquire()
                if stop_requested():   # finish the units in flight, start no new one
                    gate.release()
                    stopped = True
                    break
                if errors:
                    raise errors[0]
                self._check_abort()
                task = asyncio.ensure_future(guarded(unit, batch))
                pending.add(task)
                task.add_done_callback(finished_cb)
            while pending:
                await asyncio.wait(set(pending), return_when=asyncio.FIRST_COMPLETED)
                if errors:
                    raise errors[0]
            if errors:
                raise errors[0]
            if stopped:
                raise RunStopped("stopped on request: the units in flight were finished and "
                                 "written; --resume continues the run")
            self._check_abort()
        except BaseException:
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise
