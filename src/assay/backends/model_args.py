"""Reading one number or JSON object from a backend's ``-M key=value`` arguments, with a
one-line error naming the field."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError

__all__ = ["number_arg", "int_arg", "object_arg"]


def number_arg(provider: str, args: dict, key: str, conv: Callable[[Any], Any], default: Any, *,
               minimum: float | None = None, kind: str = "a number") -> Any:
    """``conv(args[key])``, or ``default`` when the key is absent, ``None`` or empty.

    A value ``conv`` rejects (the message says it must be ``kind``), a non-finite float or
    one below ``minimum`` raises :class:`~assay.errors.ConfigError` naming ``provider`` and
    the field.
    """
    if args.get(key) is None or args.get(key) == "":
        return default
    try:
        v = conv(args[key])
    except (TypeError, ValueError, OverflowError):   # OverflowError: int(float("inf"))
        raise ConfigError(f"{provider} argument {key} must be {kind}, got {args[key]!r}",
                          field=key) from None
    if isinstance(v, float) and not math.isfinite(v):
        raise ConfigError(f"{provider} argument {key} must be finite", field=key)
    if minimum is not None and v < minimum:
        raise ConfigError(f"{provider} argument {key} must be >= {minimum:g}", field=key)
    return v


def int_arg(provider: str, args: dict, key: str, default: int | None, minimum: int
            ) -> int | None:
    """``int(args[key])``, or ``default`` when the key is absent, ``None`` or empty; not an
    integer, or below ``minimum``: :class:`~assay.errors.ConfigError` naming the field."""
    return number_arg(provider, args, key, int, default, minimum=minimum, kind="an integer")


def object_arg(args: dict, key: str) -> dict | None:
    """``args[key]`` as a dict: a dict as given, a string parsed as JSON (empty: ``None``);
    anything else that is not ``None`` raises :class:`~assay.errors.ConfigError`."""
    value = args.get(key)
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{key} is not valid JSON ({exc.msg})", field=key) from None
    if value is not None and not isinstance(value, dict):
        raise ConfigError(f"{key} must be a JSON object", field=key)
    return value
