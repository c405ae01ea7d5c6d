"""Aggregates of a benchmark run: every metric per subtask and overall, with standard errors
and 95% intervals; the overall value is the item-weighted mean (as lm-evaluation-harness's
group scores with ``weight_by_size``), the subtask-macro mean is reported beside it.

Intervals: a metric whose per-item values are all exactly 0 or 1 over the whole run (``acc``,
``acc_norm``, ``mc1``, ``exact_match``) is a proportion and gets the Wilson score interval of
its successes, per subtask and overall; any other metric (``mc2``) gets ``value ± t·stderr``
clipped to [0, 1]. The decision is made once per metric, so every row of a metric agrees; the
``_stderr`` values are the sample standard errors (lighteval's) either way, and every interval
contains its value.

Weighted metrics (``Benchmark.metric_weights``: IFEval's instruction-level accuracy, a mean
over instructions): each item reports its mean ``y_i`` over its ``w_i`` units and ``w_i``
itself (under the weight key, which is not reported as a metric). The value is the ratio
``R = sum(w_i y_i) / sum(w_i)``, the mean over all units; its standard error is clustered by
item (the units of one item are not independent): ``sqrt(m/(m-1) * sum((w_i (y_i - R))^2)) /
sum(w_i)`` over the ``m`` scored items, the linearised (delta-method) standard error of a ratio
estimator, which equals the ordinary sample standard error when every ``w_i`` is 1. The
interval is ``R ± t(m-1)·stderr`` clipped to [0, 1]; ``n`` is ``m`` and ``n_units`` the sum of
``w_i``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ...analysis.stratify import interval
from ...stats.intervals import mean_stderr
from ...stats.proportion import is_binary, successes

__all__ = ["BenchSummary", "flat_metrics"]

_UNIT = (0.0, 1.0)


def _weighted_stat(values: list[float], weights: list[float]) -> dict[str, Any]:
    """A mean over units (see the module docstring): ratio estimate, cluster standard error."""
    y = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    ok = np.isfinite(y) & np.isfinite(w) & (w > 0)
    y, w = y[ok], w[ok]
    m, total = int(y.size), float(w.sum())
    if m == 0:
        nan = float("nan")
        return {"value": nan, "stderr": nan, "ci_low": nan, "ci_high": nan, "n": 0,
                "n_units": 0.0}
    v = float((w * y).sum() / total)
    se = float(np.sqrt(m / (m - 1) * ((w * (y - v)) ** 2).sum()) / total) if m > 1 \
        else float("nan")
    lo, hi = interval(v, se, m, bounds=_UNIT)
    return {"value": v, "stderr": se, "ci_low": lo, "ci_high": hi, "n": m, "n_units": total}


def _stat(values: list[float], proportion: bool = False) -> dict[str, Any]:
    arr = np.asarray(values, dtype=np.float64)
    k, n = successes(arr)
    v, se = mean_stderr(arr)
    lo, hi = interval(v, se, n, bounds=_UNIT, successes=k if proportion else None)
    return {"value": v, "stderr": se, "ci_low": lo, "ci_high": hi, "n": n}


class BenchSummary:
    """Collects records in run order; :meth:`finish` returns the summary dict. A failed item
    counts in ``n`` and ``n_errors`` and is left out of the metric means."""

    def __init__(self, metric_names: Iterable[str],
                 weights: Mapping[str, str] | None = None) -> None:
        #: weighted metric → the per-item key of its weight (``Benchmark.metric_weights``)
        self.weights = dict(weights or {})
        self._weight_keys = set(self.weights.values())
        self.metric_names = [m for m in metric_names if m not in self._weight_keys]
        self.rows: dict[str, list[dict[str, float] | None]] = {}
        self.methods: dict[str, int] = {}
        self.unextracted = 0

    def add(self, rec: dict[str, Any]) -> None:
        failed = rec["error"] is not None
        self.rows.setdefault(rec["subtask"], []).append(None if failed else rec["metrics"])
        self.methods[rec["method"]] = self.methods.get(rec["method"], 0) + 1
        if rec["method"] == "generate" and not failed and rec["extracted"] is None:
            self.unextracted += 1
        for m in rec["metrics"]:
            if m not in self.metric_names and m not in self._weight_keys:
                self.metric_names.append(m)

    def _column(self, sub: str, m: str) -> list[float]:
        return [np.nan if r is None else float(r.get(m, np.nan)) for r in self.rows[sub]]

    def finish(self) -> dict[str, Any]:
        seen = {m for rows in self.rows.values() for r in rows if r for m in r}
        names = [m for m in self.metric_names if m in seen] or list(self.metric_names)
        columns = {m: [v for sub in self.rows for v in self._column(sub, m)] for m in names}
        binary = {m for m in names if is_binary(columns[m]) and m not in self.weights}

        def stat(sub: str | None, m: str) -> dict[str, Any]:
            subs_ = list(self.rows) if sub is None else [sub]
            values = [v for s in subs_ for v in self._column(s, m)]
            if m in self.weights:
                w = [v for s in subs_ for v in self._column(s, self.weights[m])]
                return _weighted_stat(values, w)
            return _stat(values, m in binary)

        subs: dict[str, Any] = {}
        for sub, rows in self.rows.items():
            subs[sub] = {"n": len(rows), "n_errors": sum(r is None for r in rows),
                         "metrics": {m: stat(sub, m) for m in names}}
        overall = {m: stat(None, m) for m in names}
        macro = {}
        for m in names:
            vals = [s["metrics"][m]["value"] for s in subs.values()
                    if np.isfinite(s["metrics"][m]["value"])]
            macro[m] = float(np.mean(vals)) if vals else float("nan")
        return {"n_items": sum(s["n"] for s in subs.values()),
                "n_errors": sum(s["n_errors"] for s in subs.values()),
                "n_unextracted": self.unextracted, "methods": dict(sorted(self.methods.items())),
                "metric_names": names, "overall": overall, "macro": macro, "subtasks": subs}


def flat_metrics(block: dict[str, dict[str, Any]]) -> dict[str, float]:
    """``{metric: value, metric_stderr: stderr}`` for the Nova results dict."""
    out: dict[str, float] = {}
    for m, s in block.items():
        out[m] = s["value"]
        out[m + "_stderr"] = s["stderr"]
    return out

