"""MLflow names for a run's numbers and settings, and the values that go with them.

MLflow allows only letters, digits, ``_``, ``-``, ``.``, space and ``/`` in metric, param and
tag keys (``[/\\w.\\- ]``; newer versions add ``:`` outside Windows, so assay does not use
it), at most 250 characters, and ``/`` must not make an empty, ``.`` or ``..`` path part.
Names are built from parts joined by ``/``, and each part is sanitised the same way:

* ``=`` becomes ``-`` (``segment/difficulty=hard/f1`` is logged as
  ``segment/difficulty-hard/f1``);
* every other character MLflow refuses, ``/`` inside a part included, becomes ``_``;
* an empty part becomes ``_``, a part of dots only has its dots replaced by ``_``;
* when two different names sanitise to the same text, each of them gets ``_`` and the first
  8 hex digits of the SHA-1 of its unsanitised name appended (the same for any order);
* a name longer than 250 characters is cut to 241 and gets that suffix too.

Every run also carries ``assay/metric_names.json``, the table from each logged metric name
back to its metric, statistic, group field and segment.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ..results.query import comparison_rows, metric_rows

__all__ = ["MetricEntry", "sanitize_part", "unique_names", "metric_entries",
           "comparison_entries", "flatten_params", "param_value", "MAX_KEY",
           "MAX_PARAM_VALUE", "STATS", "COMPARISON_STATS"]

#: MLflow's longest metric, param and tag key
MAX_KEY = 250
#: MLflow's longest param value (characters)
MAX_PARAM_VALUE = 6000
#: ``metric_rows`` columns logged for every metric, with the suffix of their MLflow name
STATS = (("value", ""), ("stderr", "_stderr"), ("ci_low", "_ci_low"), ("ci_high", "_ci_high"))
#: ``comparison_rows`` columns logged on a base-vs-challenger parent run
COMPARISON_STATS = ("base", "challenger", "difference", "ci_low", "ci_high", "p_value")

_BAD = re.compile(r"[^\w.\- ]")


@dataclass(frozen=True)
class MetricEntry:
    """One logged number: its MLflow ``name`` and what it is."""

    name: str
    value: float
    metric: str
    stat: str
    group_field: str | None = None
    segment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "metric": self.metric, "stat": self.stat,
                "group_field": self.group_field, "segment": self.segment,
                "value": self.value}


def sanitize_part(text: str) -> str:
    """One ``/``-free part of an MLflow key (see the module docstring)."""
    out = _BAD.sub("_", str(text).replace("=", "-"))
    if not out:
        return "_"
    if set(out) == {"."}:
        return "_" * len(out)
    return out


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def unique_names(parts: list[tuple[str, ...]], sep: str = "/") -> list[str]:
    """MLflow keys for logical names given as parts: sanitised, joined by ``sep`` (``/`` for
    metrics, ``.`` for params), made unique and at most :data:`MAX_KEY` long."""
    logical = [sep.join(p) for p in parts]
    plain = [sep.join(sanitize_part(x) for x in p) for p in parts]
    owners: dict[str, set[str]] = {}
    for name, raw in zip(plain, logical):
        owners.setdefault(name, set()).add(raw)
    out = []
    for name, raw in zip(plain, logical):
        if len(owners[name]) > 1 or len(name) > MAX_KEY:
            name = name[:MAX_KEY - 9].rstrip(sep) + "_" + _digest(raw)
        out.append(name)
    return out


def _entries(rows: list[tuple[tuple[str, ...], float, str, str, str | None, str | None]]
             ) -> list[MetricEntry]:
    names = unique_names([r[0] for r in rows])
    return [MetricEntry(name, value, metric, stat, field, segment)
            for name, (_, value, metric, stat, field, segment) in zip(names, rows)]


def metric_entries(summary: dict[str, Any]) -> list[MetricEntry]:
    """Every number of ``metrics.json`` that :func:`~assay.results.query.metric_rows` gives
    (value, stderr, ci_low, ci_high; a missing one is not logged) as MLflow metrics:
    ``<metric>[_stat]`` overall, ``segment/<field>=<segment>/<metric>[_stat]`` per segment."""
    rows = []
    for metric, value, stderr, lo, hi, _n, field, segment in metric_rows(summary):
        cells = {"value": value, "stderr": stderr, "ci_low": lo, "ci_high": hi}
        for stat, suffix in STATS:
            v = cells[stat]
            if v is None:
                continue
            name = metric + suffix
            parts = (name,) if field is None else ("segment", f"{field}={segment}", name)
            rows.append((parts, float(v), metric, stat, field, segment))
    return _entries(rows)


def comparison_entries(summary: dict[str, Any]) -> list[MetricEntry]:
    """A benchmark run's base-vs-challenger tests (``comparison_rows``) as MLflow metrics:
    ``comparison/<metric>_<stat>`` overall and ``comparison/<field>=<segment>/<metric>_<stat>``
    per segment, stat one of :data:`COMPARISON_STATS`."""
    rows = []
    for row in comparison_rows(summary):
        metric, field, segment = row[0], row[1], row[2]
        cells = dict(zip(("base", "challenger", "difference", "ci_low", "ci_high", "p_value"),
                         row[4:10]))
        for stat in COMPARISON_STATS:
            v = cells[stat]
            if v is None:
                continue
            name = f"{metric}_{stat}"
            parts = ("comparison", name) if field is None else \
                ("comparison", f"{field}={segment}", name)
            rows.append((parts, float(v), metric, stat, field, segment))
    return _entries(rows)


def param_value(value: Any) -> str:
    """A param value as text: strings as they are, anything else as compact JSON; cut to
    :data:`MAX_PARAM_VALUE` characters (the last three then ``...``)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True,
                                                           ensure_ascii=False, default=str)
    if len(text) > MAX_PARAM_VALUE:
        text = text[:MAX_PARAM_VALUE - 3] + "..."
    return text


def flatten_params(doc: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """A JSON-like mapping as ``(parts, text)`` pairs, nested mappings flattened into
    ``.``-paths (the caller sanitises the parts); ``None`` values are left out, lists and
    empty mappings are one JSON value."""
    out: list[tuple[tuple[str, ...], str]] = []
    if isinstance(doc, dict) and (doc or not prefix):
        for key, value in doc.items():
            out += flatten_params(value, prefix + (str(key),))
    elif doc is not None:
        out.append((prefix, param_value(doc)))
    return out
