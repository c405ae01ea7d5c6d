"""Which judge metrics a pointwise run scores: ``judge.metrics`` (built-in names, Bedrock's
``Builtin.Correctness`` or the SageMaker SDK's ``correctness``) and ``judge.custom_metrics``
(``customMetricDefinition`` JSON files, relative to the recipe's folder, a Bedrock job
request file for its ``customMetricConfig``, or names of saved definitions), resolved once,
when the task opens. Without either: :data:`DEFAULT_METRICS`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...config.paths import resolve_path
from ...errors import ConfigError
from ...judges.pointwise import (JudgeMetric, check_custom_metrics, load_custom_metrics,
                                 resolve_builtin, to_definition)
from ...judges.pointwise.library import resolve_custom_metric

__all__ = ["DEFAULT_METRICS", "select_metrics", "metrics_fingerprint", "custom_metrics_entry"]

#: scored when the recipe names no metric: is it right, is it complete, does it help
DEFAULT_METRICS = ("Builtin.Correctness", "Builtin.Completeness", "Builtin.Helpfulness")


def select_metrics(judge: Any, base: Path | None) -> tuple[JudgeMetric, ...]:
    """The metrics of ``judge.metrics`` then ``judge.custom_metrics``, in order. A bad name
    or definition is one ConfigError naming the field (or the file and its field)."""
    names = judge.metrics
    paths = judge.custom_metrics or []
    if names is None and not paths:
        names = list(DEFAULT_METRICS)
    out: list[JudgeMetric] = []
    for i, name in enumerate(names or []):
        out.append(resolve_builtin(name, field=f"judge.metrics[{i}]"))
    custom: list[JudgeMetric] = []
    for i, ref in enumerate(paths):
        custom.extend(custom_metrics_entry(ref, base, f"judge.custom_metrics[{i}]"))
    check_custom_metrics(custom, field="judge.custom_metrics")
    seen: set[str] = set()
    for m in [*out, *custom]:
        if m.name in seen:
            raise ConfigError(f"judge metric {m.name!r} is named twice",
                              field="judge.metrics")
        seen.add(m.name)
    if not out and not custom:
        raise ConfigError("no judge metric to score: judge.metrics is empty and "
                          "judge.custom_metrics names no file", field="judge.metrics")
    return (*out, *custom)


def custom_metrics_entry(ref: str, base: Path | None, field: str,
                         variables: Sequence[str] | None = None) -> tuple[JudgeMetric, ...]:
    """A ``judge.custom_metrics`` entry: a JSON file (relative to the recipe; every definition
    in it) when one exists there, else the name of a saved definition (``assay metrics save``;
    :func:`~assay.judges.pointwise.library.resolve_custom_metric`). ``variables``: the
    template variables allowed (model evaluation's unless given; RAG passes its own)."""
    path = resolve_path(ref, base)
    kw = {} if variables is None else {"variables": variables}
    if path.is_file():   # a Bedrock job request file gives its customMetricConfig's
        from ...config.bedrock_recipe import job_custom_metrics
        found = job_custom_metrics(path, **kw)
        return load_custom_metrics(path, **kw) if found is None else found
    try:
        return (resolve_custom_metric(ref, base),)
    except ConfigError as exc:
        if getattr(exc, "field", None) or getattr(exc, "file", None):
            raise
        raise ConfigError(exc.reason, field=field) from None


def metrics_fingerprint(metrics: tuple[JudgeMetric, ...]) -> list[dict[str, str]]:
    """Each metric's name and a digest of its definition (prompt and scale), so a resume
    with an edited definition is refused."""
    out = []
    for m in metrics:
        doc = to_definition(m) | {"lower_is_better": m.lower_is_better,
                                  "not_applicable": m.not_applicable}
        blob = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
        out.append({"name": m.name, "digest": hashlib.sha256(blob).hexdigest()[:16]})
    return out
