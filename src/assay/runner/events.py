"""Run events: an observer the runner tells where a run stands, for whoever watches it (a
background job's store, see :mod:`assay.jobs`). The default observer does nothing.

The runner calls, in order: ``step_started(name)`` / ``step_finished(name, ...)`` around each
stage (``loading`` = the task opens what its examples need; the model step, ``inference`` or
``judging`` when the model under call is a judge; ``writing`` = scoring, aggregates and
outputs; ``report`` = the HTML report), ``run_dir(path)`` once per run store it opens, and
``progress(done, total, failed)`` as examples finish (throttled by the caller to about one
call a second, plus the last count). An observer must be cheap and must never raise: a
failing observer would fail the run it watches.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["RunEvents", "NO_EVENTS", "events_of", "step"]


class RunEvents:
    """The observer protocol, with no-op defaults (subclass and override what you need)."""

    def step_started(self, name: str) -> None:
        """Stage ``name`` began."""

    def step_finished(self, name: str, *, status: str = "Succeeded",
                      reason: str | None = None) -> None:
        """Stage ``name`` ended: ``Succeeded``, ``Failed`` (``reason`` says why) or
        ``Stopped`` (the run was cancelled)."""

    def run_dir(self, path: Path) -> None:
        """A run store was opened at ``path`` (the first one is the run's directory)."""

    def progress(self, done: int, total: int, failed: int) -> None:
        """``done`` of ``total`` examples finished, ``failed`` of them failed."""


#: the observer used when a run has none
NO_EVENTS = RunEvents()


def events_of(options: Any) -> RunEvents:
    """The observer of a run's options (``RunOptions.events``), or :data:`NO_EVENTS`."""
    return getattr(options, "events", None) or NO_EVENTS


@contextlib.contextmanager
def step(events: RunEvents, name: str) -> Iterator[None]:
    """Report stage ``name`` around a block: started, then Succeeded, Failed (with the
    exception as reason) or Stopped (a graceful stop, KeyboardInterrupt or cancellation)."""
    import asyncio

    from ..errors import RunStopped

    events.step_started(name)
    try:
        yield
    except (KeyboardInterrupt, asyncio.CancelledError, RunStopped):
        events.step_finished(name, status="Stopped", reason="the run was stopped")
        raise
    except BaseException as exc:
        text = " ".join(str(exc).split())[:300]
        events.step_finished(name, status="Failed", reason=f"{type(exc).__name__}: {text}")
        raise
    events.step_finished(name)
