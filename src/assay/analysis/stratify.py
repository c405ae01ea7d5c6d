"""Stratification: every metric per metadata segment, with counts and 95% intervals."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..stats.student_t import t_quantile

__all__ = ["group_value", "MISSING", "stratify", "interval"]

MISSING = "(missing)"


def group_value(metadata: Mapping[str, Any] | None, field: str) -> str:
    """The segment of one example for ``field``; dotted fields reach into nested objects;
    ``a*b`` crosses two fields (``easy|billing``)."""
    if "*" in field:
        return "|".join(group_value(metadata, f) for f in field.split("*"))
    node: Any = metadata
    for part in field.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    if node is None:
        return MISSING
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, (dict, list)):
        import json
        return json.dumps(node, sort_keys=True, ensure_ascii=False)
    return str(node)


def interval(value: float, stderr: float, n: int, level: float = 0.95,
             bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    """Two-sided interval value ± t(n-1)·stderr; NaN when n < 2. ``bounds`` clips it to the
    metric's range (a proportion's interval never leaves [0, 1])."""
    if n < 2 or not (math.isfinite(value) and math.isfinite(stderr)):
        return float("nan"), float("nan")
    q = t_quantile(0.5 + level / 2, n - 1)
    lo, hi = value - q * stderr, value + q * stderr
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return lo, hi


Aggregate = Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], dict[str, float]]


def stratify(fields: Sequence[str], keys: dict[str, list[str]], values: dict[str, np.ndarray],
             states: dict[str, np.ndarray], errors: np.ndarray, aggregate: Aggregate,
             metric_names: Sequence[str], level: float = 0.95,
             bounds: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """Per field, per segment (sorted): ``n``, ``n_errors`` and every metric's value, stderr,
    CI and number of scored examples. ``aggregate`` is the task's own aggregation (so corpus
    metrics such as BLEU are recomputed within each segment)."""
    out: dict[str, Any] = {}
    for field in fields:
        column = np.asarray(keys[field], dtype=object)
        segments: dict[str, Any] = {}
        for seg in sorted(set(keys[field])):
            mask = column == seg
            sub_v = {k: v[mask] for k, v in values.items()}
            sub_s = {k: v[mask] for k, v in states.items()}
            agg = aggregate(sub_v, sub_s)
            metrics = {}
            for name in metric_names:
                val = agg.get(name, float("nan"))
                se = agg.get(name + "_stderr", float("nan"))
                scored = int(np.count_nonzero(~np.isnan(sub_v[name]))) if name in sub_v else 0
                lo, hi = interval(val, se, scored, level, (bounds or {}).get(name))
                metrics[name] = {"value": val, "stderr": se, "ci_low": lo, "ci_high": hi,
                                 "n": scored}
            segments[seg] = {"n": int(mask.sum()), "n_errors": int(errors[mask].sum()),
                             "metrics": metrics}
        out[field] = segments
    return out
