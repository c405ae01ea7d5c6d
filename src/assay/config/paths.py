"""The one rule for paths in a recipe (docs/reliability.md#paths)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["resolve_path"]


def resolve_path(value: str, base: Path | None) -> Path:
    """A relative path in a recipe resolves against the recipe's folder (``base``); with no
    recipe file (a dict, or the command line, which passes absolute paths) against the
    working directory."""
    p = Path(os.path.expanduser(value))
    if not p.is_absolute() and base is not None:
        return base / p
    return p
