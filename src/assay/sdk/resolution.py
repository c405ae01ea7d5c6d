"""The recipe an evaluator runs: ``overrides > recipe (a local YAML file) > defaults``, with
the protected keys ``evaluation.task``, ``evaluation.strategy`` and ``evaluation.metric``
that neither the recipe nor the overrides may change (formats.md §3)."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["PROTECTED_KEYS", "deep_merge", "nest_overrides", "read_user_recipe",
           "resolve_recipe"]

#: (section, key) pairs the evaluator decides
PROTECTED_KEYS = (("evaluation", "task"), ("evaluation", "strategy"), ("evaluation", "metric"))

#: recipe keys holding paths that resolve against the recipe file's folder
_PATH_KEYS = (("assay", "data"), ("processor", "path"))


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base`` (a new dict): mappings merge key by key, anything else
    replaces."""
    out = copy.deepcopy(dict(base))
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def nest_overrides(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Overrides as a nested mapping: ``{"inference": {"temperature": 0}}`` as it is, dotted
    keys (``{"inference.temperature": 0}``) split."""
    out: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        parts = str(key).split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ValueError(f"overrides: '{key}' reaches into a value that is not a mapping")
        if isinstance(value, Mapping) and isinstance(node.get(parts[-1]), Mapping):
            node[parts[-1]] = deep_merge(node[parts[-1]], value)
        else:
            node[parts[-1]] = copy.deepcopy(value)
    return out


def read_user_recipe(path: str | Path) -> dict[str, Any]:
    """A local recipe YAML as a mapping; relative paths in it (``assay.data``,
    ``processor.path``, ``judge.custom_metrics``) made absolute against its folder."""
    text = str(path)
    if text.startswith("s3://"):
        raise ValueError(f"recipe '{text}' is an S3 URI; assay runs locally: download the "
                         "recipe and pass its local path")
    p = Path(text).expanduser()
    if not p.is_file():
        raise ValueError(f"recipe file '{text}' does not exist")
    import yaml

    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"recipe file '{text}' is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"recipe file '{text}' must hold a mapping of sections")
    folder = p.resolve().parent
    for section, key in _PATH_KEYS:
        node = data.get(section)
        if isinstance(node, dict) and isinstance(node.get(key), str) and node[key] \
                and not Path(node[key]).expanduser().is_absolute() and "://" not in node[key]:
            node[key] = str(folder / node[key])
    judge = data.get("judge")
    if isinstance(judge, dict) and isinstance(judge.get("custom_metrics"), list):
        judge["custom_metrics"] = [str(folder / c) if isinstance(c, str)
                                   and (folder / c).is_file() else c
                                   for c in judge["custom_metrics"]]
    return data


def resolve_recipe(defaults: Mapping[str, Any], recipe: Mapping[str, Any] | None,
                   overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """``defaults``, then ``recipe``, then ``overrides``; a protected key that the recipe or
    the overrides set to another value keeps the default, with a warning."""
    merged = deep_merge(deep_merge(defaults, recipe or {}), nest_overrides(overrides))
    changed = []
    for section, key in PROTECTED_KEYS:
        want = (defaults.get(section) or {}).get(key)
        node = merged.setdefault(section, {})
        if key not in (defaults.get(section) or {}):
            continue
        if node.get(key) != want:
            changed.append(f"{section}.{key}={node.get(key)!r}")
            node[key] = want
    if changed:
        warnings.warn(f"{', '.join(changed)} ignored: evaluation.task, evaluation.strategy "
                      "and evaluation.metric are protected (the evaluator sets them)",
                      UserWarning, stacklevel=3)
    return merged
