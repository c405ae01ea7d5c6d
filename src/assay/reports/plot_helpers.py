"""Small helpers shared by every figure module: one matplotlib style, safe labels, counts."""

from __future__ import annotations

import re
from typing import Any

from ..stats.intervals import finite_or_none

__all__ = ["finite_or_none", "count_of", "safe_label", "plot_rc"]


def plot_rc(font_size: int = 11) -> dict[str, Any]:
    """The matplotlib settings of every assay figure (deterministic SVG ids, one font, no
    TeX): pass to ``matplotlib.rc_context``."""
    return {"svg.hashsalt": "assay", "font.family": "DejaVu Sans", "font.size": font_size,
            "axes.titlesize": font_size + 2, "text.usetex": False, "path.simplify": True}


def count_of(v: Any) -> int:
    """A non-negative whole count from any number-ish value (0 for junk)."""
    f = finite_or_none(v)
    return max(0, round(f)) if f is not None else 0


def safe_label(text: Any, limit: int = 60) -> str:
    """A short plain label for a figure: first line only, no mathtext or markup, truncated."""
    s = "" if text is None else str(text)
    s = re.sub(r"[^\w .:/@+\-]", "", s.splitlines()[0] if s else "").strip()
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s
