"""Aggregates, computed once from the merged per-example records in dataset order."""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..analysis.stratify import group_value, interval, stratify
from ..metrics.aggregate import aggregate_values

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

        bounds = {m: ((0.0, 100.0) if m == "bleu" else (0.0, 1.0)) for m in self.metric_names}
        flat = aggregate(values, states)
        metrics = {}
        for m in names:
            val, se = flat.get(m, float("nan")), flat.get(m + "_stderr", float("nan"))
            scored = int(np.count_nonzero(~np.isnan(values[m])))
            lo, hi = interval(val, se, scored, bounds=bounds.get(m))
            metrics[m] = {"value": val, "stderr": se, "ci_low": lo, "ci_high": hi, "n": scored}
        groups = stratify(self.group_by, self._keys(), values, states, errors, aggregate,
                          names, bounds=bounds) if self.group_by else {}
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
        }
