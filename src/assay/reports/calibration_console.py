"""The console's calibration block: ECE, Brier and AUROC with their intervals, which metric
and confidence were used, and the overconfident-error count (or why calibration was skipped).
Reads the ``calibration`` block of metrics.json (:mod:`assay.analysis.calibration`)."""

from __future__ import annotations

import math
import sys
from typing import Any, TextIO

from .console import clean_text, plain

__all__ = ["print_calibration", "calibration_lines"]

_CONFIDENCE = {"auto": "auto (label probability where defined, else first answer token)",
               "label": "label probability", "first_token": "first answer token probability",
               "mean_token": "exp(mean token logprob)"}


def _num(v: Any, digits: int = 3) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return f"{v:.{digits}f}"
    return "-"


def _stat(s: dict, key: str) -> str:
    d = s.get(key) if isinstance(s.get(key), dict) else {}
    v, lo, hi = _num(d.get("value")), _num(d.get("ci_low")), _num(d.get("ci_high"))
    return v if lo == "-" or hi == "-" else f"{v} [{lo}, {hi}]"


def calibration_lines(cal: dict | None) -> list[str]:
    """The block as plain lines (no markup); empty when the summary has no calibration."""
    if not isinstance(cal, dict):
        return []
    if cal.get("skipped"):
        return [f"calibration: skipped ({clean_text(cal['skipped'])})"]
    s = cal.get("overall") or {}
    kind = str(cal.get("confidence"))
    conf = _CONFIDENCE.get(kind, clean_text(kind))
    sources = cal.get("confidence_sources")
    if kind == "auto" and isinstance(sources, dict) and sources:
        conf += " (" + ", ".join(f"{clean_text(k)} {v}" for k, v in sources.items()) + ")"
    how = "" if cal.get("metric_source") == "recipe" else ", the first 0/1 metric"
    dropped = s.get("n_dropped") or 0
    lines = [
        f"calibration: correct = {clean_text(cal.get('metric'))}{how}; confidence = {conf}",
        f"  n {s.get('n')}" + (f" ({dropped} without a confidence or metric value)"
                               if dropped else "")
        + f", accuracy {_num(s.get('accuracy'))}, mean confidence "
        f"{_num(s.get('mean_confidence'))}",
        f"  ECE {_stat(s, 'ece')}, ECE equal-mass {_stat(s, 'ece_equal_mass')}",
        f"  Brier {_stat(s, 'brier')}, AUROC {_stat(s, 'auroc')}  (95% bootstrap CIs)",
        f"  overconfident errors (wrong with confidence >= "
        f"{_num(cal.get('overconfident_threshold'), 2)}): {cal.get('n_overconfident_errors', 0)}",
    ]
    return lines


def print_calibration(cal: dict | None, *, stream: TextIO | None = None,
                      console: Any = None) -> None:
    """Print :func:`calibration_lines` (nothing when there is no calibration block)."""
    lines = calibration_lines(cal)
    if not lines:
        return
    if console is None:
        from .console import _console
        console = _console(stream or sys.stdout)
    for line in lines:
        console.print(plain(line))
