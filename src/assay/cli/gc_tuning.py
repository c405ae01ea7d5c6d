"""Garbage-collector settings for the commands that run evaluations."""

from __future__ import annotations

import gc
import os

__all__ = ["tune_gc"]


def tune_gc() -> None:
    """A run makes many short-lived dicts and lists and few reference cycles. Set the
    objects the imports made aside (``gc.freeze``), and collect the youngest generation
    every 10,000 allocations rather than every 700: cycles are still collected, less often.
    Measured on the 10,000-row mock run (PERF-1a): about 0.1 s of 1.1 s
    (docs/performance.md). ``ASSAY_GC_DEFAULTS=1`` keeps Python's defaults."""
    if os.environ.get("ASSAY_GC_DEFAULTS") == "1":   # the benchmarks' A/B switch
        return
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
