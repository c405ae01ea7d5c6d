"""Aggregates, computed once from the merged per-example records in dataset order.

Which interval a metric gets (the rule of ``docs/metrics.md``, decided once per metric for
the whole run, so the overall row and every segment agree):

* a metric whose aggregate is the mean of its per-example values (every gen_qa metric but
  ``bleu``; per-example scorer keys; custom processor metrics aggregated by ``average``)
  and whose scored values are all exactly 0 or 1 is a **proportion**: Wilson score interval;
* any other metric: ``value ± t(n-1)·stderr``, clipped to its range: [0, 1] for the
  gen_qa metrics but ``bleu`` ([0, 100]); for scorer and custom metrics [0, 1] when every
  scored value lies in [0, 1], else no clipping;
* every interval contains its value (:func:`assay.stats.intervals.contain`); the
  ``_stderr`` values are the sample standard errors whatever the interval.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..analysis.stratify import (field_parts, group_value, has_field, interval,
                                 missing_field_warning, stratify)
from ..metrics.aggregate import aggregate_values
from ..stats.proportion import is_binary, successes

_UNIT = (0.0, 1.0)
_CORPUS_BUILTINS = {"bleu": (0.0, 100.0)}   # gen_qa metrics that are not a mean, and their range

__all__ = ["SummaryCollector"]


class SummaryCollector:
    """Fed one record dict at a time (streaming), then :meth:`finish` computes everything.

    Memory is a few floats per example, so a million rows stay small."""

    def __init__(self, scorer: Any, metric_names: Sequence[str], group_by: Sequence[str],
                 *, seed: int = 0, custom_aggregation: str = "average",
                 averaged_prefixes: Sequence[str] = ()) -> None:
        self.scorer = scorer
        self.metric_names = list(metric_names)
        self.builtin = set(metric_names)
        self.custom_aggregation = custom_aggregation
        self.averaged_prefixes = tuple(averaged_prefixes)   # scorer labels: always averaged
        self.custom_names: list[str] = []
        self.group_by = list(group_by)
        self.seed = seed
        # compact columns: 8 bytes a value, 4 bytes a group code, 1 byte an error flag
        self._values: dict[str, array] = {m: array("d") for m in self.metric_names}
        self._state_rows: dict[str, array] = {}
        self._state_vals: dict[str, array] = {}
        self._state_width: dict[str, int] = {}
        self._codes: dict[str, array] = {f: array("i") for f in self.group_by}
        self._labels: dict[str, dict[str, int]] = {f: {} for f in self.group_by}
        self._seen_fields: dict[str, bool] = {p: False for f in self.group_by
                                              for p in field_parts(f)}
        self._errors = bytearray()
        self.error_kinds: Counter[str] = Counter()
        self.n = 0
        self.cached = 0
        self.latency = 0.0
        self.output_tokens = 0
        self.expected_index = 0
        self.processor_errors = 0

    def add(self, rec: dict[str, Any]) -> None:
        if rec["index"] != self.expected_index:
            raise RuntimeError(f"records out of order: expected index {self.expected_index}, "
                               f"got {rec['index']}")
        self.expected_index += 1
        self.n += 1
        metrics = rec["metrics"]
        for name in metrics:
            if name not in self._values:     # a custom metric seen for the first time
                self.custom_names.append(name)
                self._values[name] = array("d", [math.nan]) * (self.n - 1)
        for m, col in self._values.items():
            v = metrics.get(m)
            col.append(math.nan if v is None else float(v))
        for name, st in rec.get("metric_state", {}).items():
            if name not in self._state_rows:
                self._state_rows[name], self._state_vals[name] = array("q"), array("d")
                self._state_width[name] = len(st)
            width = self._state_width[name]
            self._state_rows[name].append(self.n - 1)
            self._state_vals[name].extend((list(st) + [math.nan] * width)[:width])
        err = rec.get("error")
        self._errors.append(err is not None)
        if err is not None:
            self.error_kinds[f"{err['stage']}:{err['kind']}"] += 1
            if err["stage"] in ("preprocess", "postprocess"):
                self.processor_errors += 1
        for p, seen in self._seen_fields.items():
            if not seen:
                self._seen_fields[p] = has_field(rec.get("metadata"), p)
        for f in self.group_by:
            labels = self._labels[f]
            label = group_value(rec.get("metadata"), f)
            code = labels.get(label)
            if code is None:
                code = labels[label] = len(labels)
            self._codes[f].append(code)
        self.cached += bool(rec.get("cached"))
        self.latency += rec.get("latency_s") or 0.0
        self.output_tokens += rec.get("output_tokens") or 0

    def _averaged(self, name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in self.averaged_prefixes)

    def _is_mean(self, name: str) -> bool:
        """Whether the metric's aggregate is the mean of its per-example values."""
        if name in self.builtin:
            return name not in _CORPUS_BUILTINS
        return self._averaged(name) or self.custom_aggregation in ("average", "mean")

    def interval_kinds(self, values: dict[str, np.ndarray]
                       ) -> tuple[set[str], dict[str, tuple[float, float]]]:
        """``(proportions, bounds)``: the metrics that get a Wilson interval, and each other
        metric's known range (see the module docstring)."""
        proportions: set[str] = set()
        bounds: dict[str, tuple[float, float]] = {}
        for name, col in values.items():
            if self._is_mean(name) and is_binary(col):
                proportions.add(name)
            if name in self.builtin:
                bounds[name] = _CORPUS_BUILTINS.get(name, _UNIT)
            else:
                arr = col[~np.isnan(col)]
                if arr.size and bool(np.all((arr >= 0.0) & (arr <= 1.0))):
                    bounds[name] = _UNIT
        return proportions, bounds

    def warnings(self) -> list[str]:
        """One line per group-by field that no example has (its only segment is ``(missing)``)."""
        if not self.n:
            return []
        out = []
        for f in self.group_by:
            for p in field_parts(f):
                if not self._seen_fields[p]:
                    out.append(missing_field_warning(p, f))
        return list(dict.fromkeys(out))

    def _state_arrays(self) -> dict[str, np.ndarray]:
        """Per-example state rows (e.g. BLEU sufficient statistics); NaN rows where the
        example was not scored."""
        out = {}
        for name, rows in self._state_rows.items():
            width = self._state_width[name]
            arr = np.full((self.n, width), np.nan)
            if len(rows):
                arr[np.frombuffer(rows, dtype=np.int64)] = np.frombuffer(
                    self._state_vals[name], dtype=np.float64).reshape(-1, width)
            out[name] = arr
        return out

    def _keys(self) -> dict[str, np.ndarray]:
        out = {}
        for f in self.group_by:
            names = np.empty(len(self._labels[f]), dtype=object)
            for label, code in self._labels[f].items():
                names[code] = label
            out[f] = names[np.frombuffer(self._codes[f], dtype=np.int32)] if self.n else \
                np.empty(0, dtype=object)
        return out

    def finish(self) -> dict[str, Any]:
        values = {m: np.frombuffer(v, dtype=np.float64) if len(v) else np.empty(0)
                  for m, v in self._values.items()}
        states = self._state_arrays()
        errors = np.frombuffer(bytes(self._errors), dtype=np.uint8).astype(bool)

        custom = sorted(self.custom_names)
        names = self.metric_names + custom

        def aggregate(v: dict[str, np.ndarray], s: dict[str, np.ndarray]) -> dict[str, float]:
            out = self.scorer.aggregate({k: v[k] for k in self.metric_names}, s, seed=self.seed)
            for name in custom:
                how = "average" if self._averaged(name) else self.custom_aggregation
                out.update(aggregate_values(name, v[name], how))
            return out

        proportions, bounds = self.interval_kinds(values)
        flat = aggregate(values, states)
        metrics = {}
        for m in names:
            val, se = flat.get(m, float("nan")), flat.get(m + "_stderr", float("nan"))
            k, scored = successes(values[m])
            lo, hi = interval(val, se, scored, bounds=bounds.get(m),
                              successes=k if m in proportions else None)
            metrics[m] = {"value": val, "stderr": se, "ci_low": lo, "ci_high": hi, "n": scored}
        groups = stratify(self.group_by, self._keys(), values, states, errors, aggregate,
                          names, bounds=bounds, proportions=proportions) if self.group_by else {}
        warnings = self.warnings()
        for line in warnings:
            print(line, file=sys.stderr)
        return {
            "n_examples": self.n,
            "n_errors": int(errors.sum()),
            "errors_by_kind": dict(sorted(self.error_kinds.items())),
            "processor_errors": self.processor_errors,
            "custom_metrics": custom,
            "custom_aggregation": self.custom_aggregation if custom else None,
            "run_stats": {"n_cached": self.cached, "output_tokens": self.output_tokens,
                          "latency_s_total": self.latency},
            "flat": {k: flat[k] for k in sorted(flat)},
            "metrics": metrics,
            "groups": groups,
            "warnings": warnings,
        }
