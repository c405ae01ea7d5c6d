"""A graceful stop of the run in this process: no new work unit is started, the units in
flight finish and are written, then the run ends with :class:`~assay.errors.RunStopped`
(exit 130) and can be resumed. A background job's SIGTERM (``assay jobs stop``) asks for it;
a second SIGTERM, or Ctrl-C, cancels at once."""

from __future__ import annotations

import threading

__all__ = ["request_stop", "stop_requested", "clear_stop"]

_STOP = threading.Event()


def request_stop() -> None:
    """Ask the running executor to stop after the units in flight (signal-safe)."""
    _STOP.set()


def stop_requested() -> bool:
    return _STOP.is_set()


def clear_stop() -> None:
    _STOP.clear()
