"""Progress display: a rich bar with rate and ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["Progress"]


class Progress:
    """Counts finished examples. ``mode``: ``auto`` (rich on a TTY, else plain), ``plain``,
    ``none``. The runner calls :meth:`advance`; display work is throttled so it never sits
    in the hot loop."""

    def __init__(self, total: int, *, description: str = "evaluating", mode: str = "auto",
                 stream: TextIO | None = None, initial: int = 0, events: Any = None) -> None:
        self.total = total
        self.events = events           # a runner.events.RunEvents: counts, about once a second
        self._last_event = 0.0
        self.done = initial
        self.errors = 0
        self.unparseable = 0
        self.postfix = ""   # e.g. per-replica throughput "r1 3.1/s r2 2.9/s"
        from ..reports.console import clean_text

        # the run and model names are data: no terminal controls, and (rich) no markup
        self.description = clean_text(description)
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "rich" if self.stream.isatty() else "plain"
        self.mode = mode
        self._start = time.monotonic()
        self._initial = initial
        self._last_plain = 0.0
        self._rich = None
        self._task = None

    def __enter__(self) -> "Progress":
        if self.mode == "rich":
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                                       TaskProgressColumn, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self._rich = RichProgress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TaskProgressColumn(), TextColumn("{task.fields[rate]}"),
                TextColumn("errors {task.fields[errors]}"),
                TextColumn("{task.fields[unparseable]}"),
                TextColumn("{task.fields[postfix]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(file=self.stream), refresh_per_second=8, transient=False)
            self._rich.__enter__()
            from rich.markup import escape

            self._task = self._rich.add_task(escape(self.description), total=self.total,
                                             completed=self.done, rate="", errors=0,
                                             unparseable="", postfix="")
        return self

    @staticmethod
    def format_rate(rate: float) -> str:
        """``12.3 ex/s``, or ``4.2 s/ex`` for slow models."""
        if rate <= 0:
            return "- ex/s"
        return f"{rate:.1f} ex/s" if rate >= 1 else f"{1 / rate:.1f} s/ex"

    def rate(self) -> float:
        elapsed = time.monotonic() - self._start
        return (self.done - self._initial) / elapsed if elapsed > 0 else 0.0

    def _unparseable_text(self) -> str:
        return f"unparseable {self.unparseable}" if self.unparseable else ""

    def set_postfix(self, text: str) -> None:
        """Extra text after the counts (the Ray executor's per-replica throughput); shown
        at the next update."""
        from ..reports.console import clean_text

        self.postfix = clean_text(text)
        if self.mode == "rich" and self._rich is not None:
            from rich.markup import escape

            self._rich.update(self._task, postfix=escape(self.postfix))

    def advance(self, n: int = 1, *, errors: int = 0, unparseable: int = 0) -> None:
        """``errors``: failed examples; ``unparseable``: judge outputs with no usable verdict,
        shown as they happen (they are counted apart from errors)."""
        self.done += n
        self.errors += errors
        self.unparseable += unparseable
        if self.events is not None:
            now = time.monotonic()
            if now - self._last_event >= 1.0 or self.done >= self.total:
                self._last_event = now
                self.events.progress(self.done, self.total, self.errors)
        if self.mode == "rich" and self._rich is not None:
            self._rich.update(self._task, completed=self.done, errors=self.errors,
                              unparseable=self._unparseable_text(),
                              rate=self.format_rate(self.rate()))
        elif self.mode == "plain":
            now = time.monotonic()
            if now - self._last_plain >= 5.0 or self.done >= self.total:
                self._last_plain = now
                self._plain_line()

    def _plain_line(self) -> None:
        rate = self.rate()
        remaining = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f"{remaining:.0f}s" if remaining == remaining else "?"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        print(f"{self.description}: {self.done}/{self.total} ({pct:.0f}%) {self.format_rate(rate)} "
              f"errors {self.errors}{' ' + self._unparseable_text() if self.unparseable else ''} "
              f"ETA {eta}{' ' + self.postfix if self.postfix else ''}", file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self.events is not None:   # the last count, whatever the throttle held back
            self.events.progress(self.done, self.total, self.errors)
        if self._rich is not None:
            self._rich.__exit__(None, None, None)
