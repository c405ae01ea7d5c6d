"""Garbage-collector settings for the commands that run evaluations."""

from __future__ import annotations

import argparse
import gc
import os

__all__ = ["tune_gc"]


def tune_gc(args: argparse.Namespace) -> None:
    """A run makes many short-lived dicts and lists and few reference cycles. Set the
    objects the imports made aside (``gc.freeze``), and collect the youngest generation
    every 10,000 allocations rather than every 700: cycles are still collected, less often.
    Measured on the 10,000-row mock run (PERF-1a): 0.09 s of 0.98 s (docs/performance.md).

    Only in a process that is the CLI (``args.cli_process``): ``main([...])`` called from
    Python (a notebook, a test suite) leaves the caller's collector alone, since freezing
    there would keep that process's uncollected garbage for good. ``ASSAY_GC_DEFAULTS=1``
    keeps Python's settings."""
    if not getattr(args, "cli_process", False) or os.environ.get("ASSAY_GC_DEFAULTS") == "1":
        return
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
