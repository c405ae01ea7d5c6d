"""Turn a recipe file plus command-line overrides into a validated :class:`Recipe`.

Overrides are dotted key paths (``inference.top_logprobs=5``, ``assay.model=openai/x``);
they are applied to the parsed YAML *before* validation, so an override is checked exactly
like the key it replaces. Validation errors become one :class:`ConfigError` line naming the
file, the line and the key, with a did-you-mean for unknown keys.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from .recipe import Recipe
from .yaml_lines import load_yaml_with_lines

__all__ = ["load_recipe", "recipe_from_dict", "parse_assignment", "apply_overrides"]


def parse_assignment(text: str, *, option: str = "-M") -> tuple[str, Any]:
    """Parse ``key=value``; the value is read as YAML (numbers, booleans, lists)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"expected key=value after {option}, got '{text}'", field=option)
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    if isinstance(value, (dict, list)) or value is None:
        value = value if value is not None else raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set dotted paths in a nested dict (a copy)."""
    import copy

    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node = out
        for p in parts[:-1]:
            nxt = node.get(p)
            if not isinstance(nxt, dict):
                nxt = {}
                node[p] = nxt
            node = nxt
        node[parts[-1]] = value
    return out


def _model_fields(model: type[BaseModel], path: tuple) -> list[str]:
    """The allowed keys at ``path`` inside the recipe model tree."""
    cls: Any = model
    for p in path:
        if isinstance(p, int):
            continue
        field = cls.model_fields.get(p)
        if field is None:
            return []
        ann = field.annotation
        nested = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type)
                  and issubclass(a, BaseModel)]
        if not nested:
            return []
        cls = nested[0]
    return list(cls.model_fields)


def _to_config_error(exc: ValidationError, file: Path | None, lines: dict[tuple, int]) -> ConfigError:
    err = exc.errors()[0]
    loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in ("function-after",)))
    # pydantic inserts union member names ("ProcessorSection") into loc: drop them
    loc = tuple(x for x in loc if not (isinstance(x, str) and x[:1].isupper()))
    key = ".".join(str(x) for x in loc)
    line = None
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    if err["type"] == "extra_forbidden":
        allowed = _model_fields(Recipe, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        msg = f"unknown key '{key}'{hint}"
        if allowed:
            msg += f" (allowed: {', '.join(allowed)})"
        return ConfigError(msg, file=file, line=line, field=key)
    if err["type"] == "missing":
        return ConfigError(f"missing required key '{key}'", file=file, line=line, field=key)
    value = err.get("input")
    shown = repr(value) if not isinstance(value, dict) else "a mapping"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ConfigError(f"invalid value {shown} for '{key}': {err['msg']}", file=file, line=line,
                       field=key)


def recipe_from_dict(data: dict[str, Any], *, file: Path | None = None,
                     lines: dict[tuple, int] | None = None) -> Recipe:
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        raise _to_config_error(exc, file, lines or {}) from None


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Load and validate a recipe file, applying dotted-path overrides first."""
    p = Path(path)
    data, lines = load_yaml_with_lines(p)
    if overrides:
        data = apply_overrides(data, overrides)
    return recipe_from_dict(data, file=p, lines=lines)
