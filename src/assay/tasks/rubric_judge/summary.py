"""Rubric-specific aggregates: weighted scores with standard errors, bothbad count,
calibration against human labels, score distributions, and their figures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from ...metrics.aggregate import mean_with_stderr

__all__ = ["add_rubric_summary", "rubric_flat"]

_KEYS = (("weighted_score_a", "weighted_score_A"), ("weighted_score_b", "weighted_score_B"),
         ("score_margin", "score_margin"))


def rubric_flat(rows: list[dict[str, Any]]) -> dict[str, float]:
    """``weighted_score_A/B`` and ``score_margin`` (A − B), each with ``_stderr``, over the
    examples where at least one pass parsed."""
    flat: dict[str, float] = {}
    for src, name in _KEYS:
        values = np.asarray([np.nan if r[src] is None else r[src] for r in rows], dtype=float)
        flat.update(mean_with_stderr(name, values))
    return flat


def add_rubric_summary(summary: dict[str, Any], rows: list[dict[str, Any]], run_dir: Path) -> None:
    from ...stats.calibration import (margin_buckets, margin_histogram, reliability_table,
                                     score_distributions)

    summary["flat"] = dict(sorted({**summary["flat"], **rubric_flat(rows)}.items()))
    summary["counts"]["bothbad"] = sum(bool(r["bothbad"]) for r in rows)
    margins = [r["score_margin"] for r in rows]
    breakdowns = [r["criteria_breakdown"] for r in rows if r["criteria_breakdown"]]
    labelled = [r for r in rows if r["human_label"] is not None and r["score_margin"] is not None]
    rubric: dict[str, Any] = {
        "n_scored": sum(m is not None for m in margins),
        "margin_sign": "score_margin = weighted_score_A - weighted_score_B; positive means A is better",
        "distributions": score_distributions(breakdowns),
        "margin_histogram": margin_histogram([m for m in margins if m is not None]),
    }
    buckets, reliability = [], None
    if labelled:
        correct = [r["outcome"] == r["human_label"] for r in labelled]
        buckets = margin_buckets([r["score_margin"] for r in labelled], correct)
        reliability = reliability_table([r["score_margin"] for r in labelled],
                                        [r["human_label"] for r in labelled])
        rubric["calibration"] = {"buckets": buckets, "reliability": reliability}
    summary["rubric"] = rubric
    try:
        from .figures import write_calibration_figure, write_criteria_figure
        write_calibration_figure(buckets, reliability, run_dir / "rubric_calibration.png")
        write_criteria_figure(rubric["distributions"], [m for m in margins if m is not None],
                              run_dir / "rubric_criteria.png")
    except ImportError as exc:
        print(f"note: no rubric figures ({exc})", file=sys.stderr)
