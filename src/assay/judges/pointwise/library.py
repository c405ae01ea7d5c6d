"""Saved custom judge metrics, reusable by name (``assay metrics save|list|show``).

A definition is saved, checked, as ``<library>/<name>.json`` in the API form of
``customMetricDefinition`` (:func:`~assay.judges.pointwise.custom.to_definition`). The library
is ``$ASSAY_METRICS_DIR`` when set, else ``~/.assay/metrics``. A name is Bedrock's metric name
(pattern ``^[0-9a-zA-Z-_.]+$``, at most 63 characters), so it is always a safe file name.
Saving never replaces a different definition of the same name unless asked to (``replace``);
saving the same definition again is a no-op.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...errors import ConfigError, UserInputError
from .builtin import is_builtin_name
from .custom import load_custom_metric, to_definition
from .metric import JudgeMetric

__all__ = ["library_dir", "save_metric", "saved_metrics", "load_saved_metric",
           "resolve_custom_metric"]


def library_dir() -> Path:
    env = os.environ.get("ASSAY_METRICS_DIR")
    return Path(env).expanduser() if env else Path.home() / ".assay" / "metrics"


def _dump(metric: JudgeMetric) -> str:
    return json.dumps(to_definition(metric), indent=2, ensure_ascii=False) + "\n"


def save_metric(path: str | Path, *, replace: bool = False) -> tuple[JudgeMetric, Path, bool]:
    """Check the one definition in ``path`` and save it; ``(metric, saved file, changed)``."""
    metric = load_custom_metric(path)
    if is_builtin_name(metric.name):
        raise ConfigError(f"custom metric name {metric.name!r} is a built-in metric's name; "
                          "rename it so that runs can tell the two apart", file=path,
                          field="name")
    folder = library_dir()
    target = folder / f"{metric.name}.json"
    text = _dump(metric)
    if target.exists():
        if target.read_text(encoding="utf-8") == text:
            return metric, target, False
        if not replace:
            raise UserInputError(f"{target}: a different definition named {metric.name!r} is "
                                 "already saved; nothing was changed (--replace replaces it)")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return metric, target, True


def saved_metrics() -> list[JudgeMetric]:
    """Every saved definition, by name; a file that no longer parses is skipped (``show``
    names it)."""
    out = []
    folder = library_dir()
    for f in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            out.append(load_custom_metric(f))
        except ConfigError:
            continue
    return out


def load_saved_metric(name: str) -> JudgeMetric:
    target = library_dir() / f"{name}.json"
    if "/" in name or "\\" in name or name.startswith(".") or not target.is_file():
        known = ", ".join(m.name for m in saved_metrics()) or "none saved yet"
        raise ConfigError(f"no saved custom metric named {name!r} in {library_dir()} "
                          f"(saved: {known}; `assay metrics save FILE` saves one)")
    return load_custom_metric(target)


def resolve_custom_metric(ref: str, base: Path | None = None) -> JudgeMetric:
    """A recipe's custom metric reference: a JSON file (relative to ``base``) when one exists
    there, else the name of a saved definition."""
    p = Path(ref).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    if p.is_file():
        return load_custom_metric(p)
    if ref.endswith(".json") or "/" in ref:
        raise ConfigError(f"custom metric file not found: {p}")
    return load_saved_metric(ref)
