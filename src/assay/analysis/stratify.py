"""Stratification: every metric per metadata segment, with counts and 95% intervals.

Intervals follow :func:`assay.stats.intervals.metric_interval`: a metric named in
``proportions`` (its value is the mean of per-example 0/1 values) gets the Wilson score
interval of its successes within the segment, any other metric ``value ± t·stderr``,
clipped to its range in ``bounds``; every interval contains its value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

from ..stats.intervals import metric_interval
from ..stats.proportion import successes as count_successes

__all__ = ["group_value", "MISSING", "stratify", "interval", "field_parts", "has_field",
           "missing_field_warning"]

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


def field_parts(field: str) -> list[str]:
    """The metadata fields a group-by field reads: ``a*b`` reads ``a`` and ``b``."""
    return field.split("*")


def has_field(metadata: Mapping[str, Any] | None, field: str) -> bool:
    """Whether one example has a (non-null) value for the plain (uncrossed) ``field``."""
    return group_value(metadata, field) != MISSING


def missing_field_warning(field: str, group_by: str | None = None) -> str:
    """The one-line warning for a group-by field that no example has."""
    where = f" (in --group-by '{group_by}')" if group_by and group_by != field else ""
    return (f"warning: no example has metadata field '{field}'{where}; every example is in "
            f"the '{MISSING}' segment (check the field name)")


def interval(value: float, stderr: float, n: int, level: float = 0.95,
             bounds: tuple[float, float] | None = None, *,
             successes: int | None = None) -> tuple[float, float]:
    """A metric's two-sided interval (:func:`assay.stats.intervals.metric_interval`): Wilson
    for a proportion (``successes`` of ``n``), else value ± t(n-1)·stderr (NaN when n < 2);
    clipped to ``bounds``, the metric's range, and always containing ``value``."""
    return metric_interval(value, stderr, n, level=level, successes=successes, bounds=bounds)


Aggregate = Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], dict[str, float]]


def stratify(fields: Sequence[str], keys: dict[str, list[str]], values: dict[str, np.ndarray],
             states: dict[str, np.ndarray], errors: np.ndarray, aggregate: Aggregate,
             metric_names: Sequence[str], level: float = 0.95,
             bounds: dict[str, tuple[float, float]] | None = None,
             proportions: Collection[str] = ()) -> dict[str, Any]:
    """Per field, per segment (sorted): ``n``, ``n_errors`` and every metric's value, stderr,
    CI and number of scored examples. ``aggregate`` is the task's own aggregation (so corpus
    metrics such as BLEU are recomputed within each segment). Metrics in ``proportions``
    (decided once for the whole run, so all segments agree) get Wilson intervals."""
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
                k = count_successes(sub_v[name])[0] if name in proportions and name in sub_v else None
                lo, hi = interval(val, se, scored, level, (bounds or {}).get(name), successes=k)
                metrics[name] = {"value": val, "stderr": se, "ci_low": lo, "ci_high": hi,
                                 "n": scored}
            segments[seg] = {"n": int(mask.sum()), "n_errors": int(errors[mask].sum()),
                             "metrics": metrics}
        out[field] = segments
    return out
