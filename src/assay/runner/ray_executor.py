"""Run planned units on Ray: one actor per replica, the driver as the only writer.

The driver (this process) reads the dataset, cuts it into the planned units and ships each
unit's samples to a replica actor; the actor builds its backend once (from the picklable
model spec, the task's per-example coroutine and per-run state) and returns the unit's
records as dicts. The driver writes every unit with ``store.write_unit`` (the same atomic
files as a local run), so aggregates computed afterwards are byte-identical whatever the
number of replicas.

Work is pulled: each actor holds at most a few units in flight and the next unit goes to
whichever actor finishes one, so fast replicas take more. An actor that dies has its
in-flight units queued again for the others (a fresh actor is started once when none is
left); a unit is only ever written by the driver, once.

``ray`` is imported only in this module, and only when a run asks for replicas.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from ..errors import AssayError, ConfigError, MissingDependency, RunStopped
from .executor import ExecutionJob, check_failure_share
from .local_executor import _group
from .plan import Unit
from .stop import stop_requested

__all__ = ["RayExecutor", "LAST_TIMINGS"]

#: Timings of the last Ray execution in this process (seconds): ``init`` (joining or starting
#: Ray), ``ready`` (starting the actors and loading their models), ``run`` (executing units).
LAST_TIMINGS: dict[str, float] = {}


#: modules loaded from user files under synthetic names (assay.processors.local)
_BY_VALUE_PREFIXES = ("_assay_processor_",)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependency("ray", "ray", "replicas > 1") from None
    return ray


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


class ReplicaWorker:
    """One replica (made a Ray actor at run time): a backend and an example context, built
    once; runs a unit's samples and returns the records as dicts in dataset order."""

    def __init__(self, payload: dict[str, Any]) -> None:
        from ..backends.base import create_backend
        from ..backends.cache import ResponseCache
        from ..backends.retry import RetryPolicy
        from .context import ExampleContext
        import random

        self.run_one = payload["run_one"]
        self.backend = create_backend(payload["model"])
        cache = None
        if payload["cache_path"]:
            try:
                os.makedirs(os.path.dirname(payload["cache_path"]) or ".", exist_ok=True)
                cache = ResponseCache(payload["cache_path"])
            except OSError:
                cache = None   # a node that cannot reach the cache file runs without it
        self.cache = cache
        self.ctx = ExampleContext(
            backend=self.backend, settings=payload["settings"],
            semaphore=asyncio.Semaphore(payload["concurrency"]),
            retry=RetryPolicy(seed=payload["seed"]), cache=cache,
            identity=payload["identity"], rng=random.Random(payload["seed"]),
            task=payload["state"])

    async def ready(self) -> int:
        """Preflight the backend and load the model now (so start-up is timed apart from
        inference); returns the worker's process id."""
        preflight = getattr(self.backend, "preflight", None)
        if preflight is not None:
            await preflight()
        load = getattr(self.backend, "_ensure_loaded", None)   # local model: load it now
        if load is not None:
            await asyncio.to_thread(load)
        return os.getpid()

    async def run_unit(self, samples: list[Any]) -> list[dict[str, Any]]:
        if getattr(self.backend, "instant", False):
            records = [await self.run_one(s, self.ctx) for s in samples]
        else:
            records = await asyncio.gather(*(self.run_one(s, self.ctx) for s in samples))
        return [r.to_dict() for r in records]

    async def close(self) -> None:
        await self.backend.aclose()
        if self.cache is not None:
            self.cache.close()


class RayExecutor:
    """Executes units on ``replicas`` Ray actors, on a local Ray instance (started and
    stopped here) or the cluster at ``address`` (``ray://host:10001``, ``auto``,
    ``host:port``)."""

    def __init__(self, replicas: int, address: str | None = None, *,
                 min_examples_before_abort: int = 20, units_per_actor: int = 2,
                 restarts: int = 1) -> None:
        self.replicas = max(1, int(replicas))
        self.address = address or None
        self.min_examples = min_examples_before_abort
        self.units_per_actor = max(1, units_per_actor)
        self.restarts = restarts
        self.done = self.failed = 0
        self.actors: list[Any] = []     # live actor handles (tests may kill one)
        self.timings: dict[str, float] = {}

    # -- checks and payload --------------------------------------------------------------
    def _payload(self, job: ExecutionJob, ray: Any, cluster_cpus: int) -> dict[str, Any]:
        from ..backends.base import ModelSpec

        spec, ctx, recipe = job.spec, job.ctx, job.recipe
        model: ModelSpec = spec.model
        args = dict(model.args)
        if model.provider == "local" and "n_threads" not in args:
            # llama.cpp threads per replica (and per model instance, -M concurrency) so
            # that replicas x instances x threads <= the cluster's cores
            try:
                instances = max(1, int(args.get("concurrency", 1)))
            except (TypeError, ValueError):
                instances = 1   # the backend reports the bad value itself
            args["n_threads"] = max(1, cluster_cpus // (self.replicas * instances))
        cache_path = None
        if ctx.cache is not None:
            cache_path = str(getattr(ctx.cache, "path", "")) or None
        payload = {
            "model": ModelSpec(provider=model.provider, model=model.model, args=args),
            "run_one": spec.run_one, "state": spec.state, "settings": ctx.settings,
            "identity": ctx.identity, "seed": recipe.assay.seed, "cache_path": cache_path,
            "concurrency": max(1, math.ceil(max(1, job.concurrency) / self.replicas)),
        }
        # a processor loaded from a file lives in a module no worker can import by name:
        # ship its code by value
        for name, module in list(sys.modules.items()):
            if name.startswith(_BY_VALUE_PREFIXES) and module is not None:
                ray.cloudpickle.register_pickle_by_value(module)
        for key in ("run_one", "state", "settings", "model"):
            try:
                ray.cloudpickle.loads(ray.cloudpickle.dumps(payload[key]))
            except Exception as exc:  # noqa: BLE001 - any pickling failure says the same
                where = ""
                if recipe.processor is not None and key in ("state", "run_one"):
                    p = recipe.processor
                    loc = (getattr(p, "path", None) or getattr(p, "url", None)
                           or getattr(p, "lambda_arn", None) or "")
                    where = f" (processor {loc})"
                raise ConfigError(
                    f"replicas > 1 cannot ship this run's {key} to Ray workers{where}: "
                    f"{type(exc).__name__}: {exc}; replicas > 1 does not support this "
                    f"processor location or setting yet (run with replicas: 1)",
                    field="run.replicas") from None
        return payload

    # -- Ray lifecycle -------------------------------------------------------------------
    def _start(self, ray: Any) -> bool:
        """Join or start Ray; True when this executor must shut it down."""
        if ray.is_initialized():
            return False
        kw: dict[str, Any] = dict(ignore_reinit_error=True, log_to_driver=False)
        # ray.init replaces the SIGTERM handler (with sys.exit); keep ours (a background
        # job's graceful stop, runner.stop)
        main = threading.current_thread() is threading.main_thread()
        previous = signal.getsignal(signal.SIGTERM) if main else None
        try:
            if self.address:
                ray.init(address=self.address, **kw)
            else:
                ray.init(num_cpus=os.cpu_count(), include_dashboard=False, **kw)
        finally:
            if main and previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return True

    def _new_actor(self, ray: Any, cls: Any, payload_ref: Any) -> Any:
        return cls.remote(payload_ref)

    # -- bookkeeping ---------------------------------------------------------------------
    def _check_abort(self) -> None:
        check_failure_share(self.done, self.failed, self.max_failure_share, self.min_examples)

    def _record(self, unit: Unit, dicts: list[dict[str, Any]],
                keep: dict[int, dict] | None) -> None:
        errors = unparseable = 0
        for d in dicts:
            kind = (d.get("error") or {}).get("kind")
            failed = kind is not None and kind != "unparseable"
            errors += failed
            unparseable += kind == "unparseable"
        self.done += len(dicts)
        self.failed += errors
        if keep is not None:
            fresh = iter(dicts)
            dicts = [keep[i] if i in keep else next(fresh) for i in range(unit.size)]
        self.store.write_unit(unit.id, dicts)
        self.progress.advance(len(dicts) if keep is None else len(dicts) - len(keep),
                              errors=errors, unparseable=unparseable)

    # -- run -----------------------------------------------------------------------------
    async def run(self, job: ExecutionJob) -> None:
        ray = _ray()
        self.store, self.progress = job.store, job.progress
        self.max_failure_share = job.max_failure_share
        self.done = self.failed = 0
        t0 = time.perf_counter()
        started = self._start(ray)   # in the main thread (Ray's signal handlers)
        t_init = time.perf_counter() - t0
        try:
            await self._run(job, ray, t_init)
        finally:
            for actor in self.actors:
                try:
                    ray.kill(actor)
                except Exception:  # noqa: BLE001 - already gone
                    pass
            self.actors = []
            if started:
                ray.shutdown()

    async def _run(self, job: ExecutionJob, ray: Any, t_init: float) -> None:
        cpus = int(ray.cluster_resources().get("CPU", 0) or _cores())
        payload = self._payload(job, ray, cpus)
        payload_ref = ray.put(payload)
        cls = ray.remote(max_concurrency=1000)(ReplicaWorker)   # async actor
        size = max((u.size for u in job.units), default=1)
        limit = max(self.units_per_actor, -(-payload["concurrency"] // size) + 1)

        t1 = time.perf_counter()
        names: dict[Any, str] = {}
        actors = [self._new_actor(ray, cls, payload_ref) for _ in range(self.replicas)]
        for i, a in enumerate(actors):
            names[a] = f"r{i + 1}"
        ready_refs = {a: a.ready.remote() for a in actors}
        live: list[Any] = []
        why = ""
        for a, ref in ready_refs.items():
            try:
                await asyncio.to_thread(ray.get, ref)
                live.append(a)
            except ray.exceptions.RayActorError as exc:
                why = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
                continue
            except ray.exceptions.RayTaskError as exc:
                raise _cause(exc) from None
        if not live:
            raise AssayError(f"no Ray replica could start: {why} (the workers' logs are in "
                             f"Ray's session folder, e.g. /tmp/ray/session_latest/logs)")
        self.actors = live
        t_ready = time.perf_counter() - t1
        print(f"ray: {len(live)} replica(s) ready ({t_init:.1f}s to join/start Ray, "
              f"{t_ready:.1f}s to start replicas and load models)", file=sys.stderr)

        source: Iterator[tuple[Unit, list[Any]]] = iter(_group(job.samples(), job.units))
        requeued: deque[tuple[Unit, list[Any], dict[int, dict] | None]] = deque()
        inflight: dict[Any, tuple[Any, Unit, list[Any], dict[int, dict] | None]] = {}
        load: dict[Any, int] = {a: 0 for a in live}
        counts: dict[str, int] = {names[a]: 0 for a in live}
        first_seen = time.monotonic()
        restarts = self.restarts
        finished, redo, retry = job.finished, job.redo, job.retry
        exhausted = False

        def next_item() -> tuple[Unit, list[Any], dict[int, dict] | None] | None:
            nonlocal exhausted
            if requeued:
                return requeued.popleft()
            while not exhausted:
                try:
                    unit, batch = next(source)
                except StopIteration:
                    exhausted = True
                    return None
                if unit.id in finished and unit.id not in redo:
                    continue
                previous = redo.get(unit.id)
                keep = None
                if previous is not None:
                    keep = {i: r for i, r in enumerate(previous)
                            if not self.store.should_retry(r, retry)}
                    batch = [s for i, s in enumerate(batch) if i not in keep]
                return unit, batch, keep
            return None

        t2 = time.perf_counter()
        while True:
            self._check_abort()
            # fill: the least loaded live actor gets the next unit (none once a stop is asked
            # for: the units in flight finish and are written, then RunStopped)
            stopping = stop_requested()
            while live and not stopping:
                actor = min(live, key=lambda a: load[a])
                if load[actor] >= limit:
                    break
                item = next_item()
                if item is None:
                    break
                unit, batch, keep = item
                ref = actor.run_unit.remote(batch)
                inflight[ref] = (actor, unit, batch, keep)
                load[actor] += 1
            if not inflight:
                if stopping and (requeued or not exhausted):
                    raise RunStopped("stopped on request: the units in flight were finished "
                                     "and written; --resume continues the run")
                if requeued or not exhausted:
                    if not live:
                        raise AssayError("every Ray replica died; finished units are kept "
                                         "(rerun with --resume)")
                    continue
                break
            ready, _ = await asyncio.to_thread(ray.wait, list(inflight), num_returns=1,
                                               timeout=1.0)
            for ref in ready:
                actor, unit, batch, keep = inflight.pop(ref)
                load[actor] = max(0, load.get(actor, 1) - 1)
                try:
                    dicts = ray.get(ref)
                except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError):
                    # the replica died: its unit goes to another (never written twice:
                    # only this driver writes units, and this one was not written)
                    requeued.appendleft((unit, batch, keep))
                    if actor in live:
                        live.remove(actor)
                        print(f"ray: replica {names.get(actor, '?')} died; its units are "
                              f"redone by the others", file=sys.stderr)
                    if not live and restarts > 0:
                        restarts -= 1
                        fresh = self._new_actor(ray, cls, payload_ref)
                        names[fresh] = f"r{len(names) + 1}"
                        counts[names[fresh]] = 0
                        try:
                            await asyncio.to_thread(ray.get, fresh.ready.remote())
                        except ray.exceptions.RayActorError:
                            raise AssayError("every Ray replica died, and a fresh one could "
                                             "not start") from None
                        live.append(fresh)
                        load[fresh] = 0
                    self.actors = list(live)
                    continue
                except ray.exceptions.RayTaskError as exc:
                    raise _cause(exc) from None
                self._record(unit, dicts, keep)
                counts[names[actor]] = counts.get(names[actor], 0) + len(dicts)
                elapsed = max(1e-9, time.monotonic() - first_seen)
                self.progress.set_postfix(" ".join(
                    f"{n} {c / elapsed:.1f}/s" for n, c in counts.items()))
        self._check_abort()
        for actor in live:
            try:
                await asyncio.to_thread(ray.get, actor.close.remote())
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        t_run = time.perf_counter() - t2
        self.timings = {"init": t_init, "ready": t_ready, "run": t_run}
        LAST_TIMINGS.clear()
        LAST_TIMINGS.update(self.timings)


def _cause(exc: Any) -> BaseException:
    """The exception a replica raised (a bug in assay or a backend aborts the run as it would
    locally)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        return cause
    return exc
