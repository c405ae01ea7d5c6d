"""Turn a recipe file plus command-line overrides into a validated :class:`Recipe`.

Overrides are dotted key paths (``inference.top_logprobs=5``, ``assay.model=openai/x``);
they are applied to the parsed YAML *before* validation, so an override is checked exactly
like the key it replaces. Validation errors become one :class:`ConfigError` line naming the
file, the line and the key, with a did-you-mean for unknown keys; a bad value that came from
the command line names the option instead (``--set inference.temperature: ...``).

``KEY=VALUE`` texts (``-M``, ``-J``, ``-B``, ``--set``) are *not* read as YAML: a value stays
the text it was typed as unless the key it sets is typed otherwise. The rule
(:func:`coerce_value`):

* a recipe key typed as a number or a boolean gets the number or boolean (``--set
  inference.top_k=50``); a string-typed key keeps the text, always (``--set run.name=007``);
  a key typed as a list or a mapping takes JSON (``--set 'assay.scorers=[{"name": "f1"}]'``);
* a free-form model argument (``-M``, ``-J``, ``-B``) becomes an integer, a decimal number or
  ``true``/``false`` when it is exactly one of those, and a list or mapping only when the key
  is one known to take structures (:data:`STRUCTURED_ARGS`, e.g. ``extra_body``) and the text
  is valid JSON; anything else stays a string (``-J 'text=[[A>B]]'`` is that text).
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..data.textcheck import key_part, preview
from ..errors import ConfigError
from .recipe import Recipe
from .yaml_lines import load_yaml_with_lines

__all__ = ["load_recipe", "recipe_from_dict", "parse_assignment", "apply_overrides",
           "coerce_value", "CliStr", "CliInt", "CliFloat", "STRUCTURED_ARGS"]

#: free-form model arguments whose value may be a JSON list or object
STRUCTURED_ARGS = frozenset({"extra_body", "stop", "responses", "ll_scores", "ll_prefer",
                             "headers", "extra_headers", "logit_bias", "response_format",
                             "params"})

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,99})")
_FLOAT = re.compile(r"[-+]?(?:[0-9]{1,100}\.[0-9]{0,100}|\.[0-9]{1,100}|[0-9]{1,100})"
                    r"(?:[eE][-+]?[0-9]{1,4})?")
_BOOLS = {"true": True, "false": False}


class _CliValue:
    """Mixin: a value typed on the command line, with its text and the option that gave it."""

    raw: str
    option: str
    key: str

    @property
    def origin(self) -> str:
        return f"{self.option} {self.key}"


class CliStr(_CliValue, str):
    """A ``KEY=VALUE`` value kept as text."""


class CliInt(_CliValue, int):
    """A ``KEY=VALUE`` value that is a plain integer (its text kept for string-typed keys)."""


class CliFloat(_CliValue, float):
    """A ``KEY=VALUE`` value that is a plain decimal number (its text kept)."""


def _cli(cls: type, value: Any, raw: str, option: str, key: str) -> Any:
    out = cls(value)
    out.raw, out.option, out.key = raw, option, key
    return out


def _plain_number(raw: str) -> int | float | None:
    text = raw.strip()
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text) and any(c in text for c in ".eE"):
        v = float(text)
        if math.isfinite(v):
            return v
    return None


def parse_assignment(text: str, *, option: str = "-M") -> tuple[str, Any]:
    """Parse ``key=value``. The value is text (:class:`CliStr`), or a :class:`CliInt` /
    :class:`CliFloat` when it is exactly a plain number; never a list, mapping or null (see
    the module docstring for how a value meets the type of the key it sets)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"expected key=value after {option}, got {preview(text)}",
                          field=option)
    number = _plain_number(raw)
    if isinstance(number, int):
        return key, _cli(CliInt, number, raw, option, key)
    if isinstance(number, float):
        return key, _cli(CliFloat, number, raw, option, key)
    return key, _cli(CliStr, raw, raw, option, key)


# -- matching a command-line value to the type of the recipe key it sets ----------------------
def _members(ann: Any) -> list[Any]:
    """The alternatives of an annotation: ``int | None`` -> [int]; Literal['a'] -> [str]."""
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(ann) for m in _members(a)]
    if origin is typing.Literal:
        return sorted({type(v) for v in typing.get_args(ann)}, key=lambda t: t.__name__)
    if ann is type(None):
        return []
    if origin in (list, tuple, set, frozenset):
        return [list]
    if origin in (dict, Mapping):
        return [dict]
    return [ann]


def _target(parts: list[str]) -> tuple[str, Any]:
    """What the dotted key ``parts`` sets: ``("typed", [types])``, ``("free", key)`` inside a
    free-form mapping (model arguments), or ``("unknown", None)``."""
    cls: Any = Recipe
    for i, p in enumerate(parts):
        fields = getattr(cls, "model_fields", None)
        field = fields.get(p) if fields else None
        if field is None:
            return "unknown", None
        members = _members(field.annotation)
        if i == len(parts) - 1:
            return "typed", members
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if models:
            cls = models[0]
            continue
        if dict in members:
            return "free", parts[-1]
        return "unknown", None
    return "unknown", None


def _json_structure(raw: str) -> Any:
    text = raw.strip()
    if text[:1] not in ("[", "{"):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, (list, dict)) else None


def _free_form(key: str, raw: str) -> Any:
    number = _plain_number(raw)
    if number is not None:
        return number
    flag = _BOOLS.get(raw.strip().lower())
    if flag is not None:
        return flag
    if key in STRUCTURED_ARGS:
        structure = _json_structure(raw)
        if structure is not None:
            return structure
    return str(raw)


def coerce_value(dotted: str, value: Any) -> Any:
    """The value a command-line ``KEY=VALUE`` (:func:`parse_assignment`) gives recipe key
    ``dotted``; any other value is returned unchanged."""
    if isinstance(value, dict) and not isinstance(value, _CliValue):
        if any(isinstance(v, _CliValue) for v in value.values()) \
                and _target(dotted.split(".")) == ("typed", [dict]):
            # a whole mapping of model arguments built from KEY=VALUE texts
            return {k: _free_form(str(k), v.raw) if isinstance(v, _CliValue) else v
                    for k, v in value.items()}
        return value
    if not isinstance(value, _CliValue):
        return value
    raw = value.raw
    kind, what = _target(dotted.split("."))
    if kind == "free":
        return _free_form(str(what), raw)
    if kind == "unknown":
        return str(raw)
    members = what
    if str in members:
        if bool in members and raw.strip().lower() in _BOOLS:
            return _BOOLS[raw.strip().lower()]
        return str(raw)
    if any(m in members for m in (list, dict, Any)) or any(
            isinstance(m, type) and issubclass(m, BaseModel) for m in members):
        structure = _json_structure(raw)
        if structure is not None:
            return structure
    number = _plain_number(raw)
    if int in members and (isinstance(number, int)
                           or (isinstance(number, float) and number.is_integer())):
        return number
    if float in members and number is not None:
        return float(number)
    return str(raw)     # booleans and bad values: pydantic parses or names the problem


# -- overrides ---------------------------------------------------------------------------------
class _Overridden(dict):
    """A recipe mapping with overrides applied; ``origins`` maps each overridden key path to
    where its value came from (``--set inference.top_k``, ``-M latency``, ``command line``)."""

    origins: dict[tuple, str]


def _origins(data: Any) -> dict[tuple, str]:
    return dict(getattr(data, "origins", None) or {})


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set dotted paths in a nested dict (a copy). Command-line values
    (:func:`parse_assignment`) are matched to the type of the key they set
    (:func:`coerce_value`), and each key remembers that it came from an override."""
    out = _Overridden(copy.deepcopy(dict(data)))
    out.origins = _origins(data)
    for dotted, value in overrides.items():
        dotted = str(dotted)
        parts = dotted.split(".")
        node = out
        for p in parts[:-1]:
            nxt = node.get(p)
            if not isinstance(nxt, dict):
                nxt = {}
                node[p] = nxt
            node = nxt
        node[parts[-1]] = coerce_value(dotted, value)
        origin = value.origin if isinstance(value, _CliValue) else "command line"
        out.origins[tuple(parts)] = origin
    return out


# -- validation errors ---------------------------------------------------------------------------
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


def _dotted(loc: tuple) -> str:
    return ".".join(str(x) if isinstance(x, int) else key_part(x) for x in loc)


def _to_config_error(exc: ValidationError, file: Path | None, lines: dict[tuple, int],
                     origins: dict[tuple, str] | None = None) -> ConfigError:
    err = exc.errors()[0]
    loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in ("function-after",)))
    # pydantic inserts union member names ("ProcessorSection") into loc: drop them
    loc = tuple(x for x in loc if not (isinstance(x, str) and x[:1].isupper()))
    key = _dotted(loc)
    where: Any = file
    line = None
    blamed = None
    for cut in range(len(loc), 0, -1):
        if origins and loc[:cut] in origins:
            blamed = origins[loc[:cut]]
            break
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    field: str | None = key
    if blamed is not None:
        where, line = blamed, None
        if blamed != "command line":
            field = None           # "--set inference.top_k" already names the key
    if err["type"] == "extra_forbidden":
        allowed = _model_fields(Recipe, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1])[:100], allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        msg = f"unknown key '{key}'{hint}"
        if allowed:
            msg += f" (allowed: {', '.join(allowed)})"
    elif err["type"] == "missing":
        msg = f"missing required key '{key}'"
    else:
        value = err.get("input")
        reason = " ".join(str(err["msg"]).split()).removeprefix("Value error, ")
        if len(reason) > 200:
            reason = reason[:200] + "..."
        msg = f"invalid value {preview(value)} for '{key}': {reason}"
    out = ConfigError(msg, file=where, line=line, field=field)
    out.field = key
    return out


def recipe_from_dict(data: dict[str, Any], *, file: Path | None = None,
                     lines: dict[tuple, int] | None = None,
                     overrides: Mapping[str, Any] | None = None) -> Recipe:
    """Validate a recipe mapping. Keys set by overrides (:func:`apply_overrides` remembers
    them; ``overrides`` may name more) are blamed on the command line, not on ``file``."""
    origins = _origins(data)
    for dotted, value in (overrides or {}).items():
        origins.setdefault(tuple(str(dotted).split(".")),
                           value.origin if isinstance(value, _CliValue) else "command line")
    try:
        return Recipe.model_validate(dict(data))
    except ValidationError as exc:
        raise _to_config_error(exc, file, lines or {}, origins) from None


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Load and validate a recipe file, applying dotted-path overrides first."""
    p = Path(path)
    data, lines = load_yaml_with_lines(p)
    if overrides:
        data = apply_overrides(data, overrides)
    return recipe_from_dict(data, file=p, lines=lines)
