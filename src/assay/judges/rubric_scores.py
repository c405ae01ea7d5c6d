"""Rubric weighted scores, the per-criterion breakdown, and re-weighting after the fact.

Documented rule (formats.md §1.5.3): a ``scale`` criterion (1-5) is normalised to
``(s - 1) / 4``, a ``binary`` one maps true/false to 1.0/0.0; each is multiplied by its weight
and the products are summed, giving a weighted score in [0, 1] per response. The margin is
``weighted_score_A - weighted_score_B`` (in [-1, 1]; positive means A is better). These are
for observability; the verdict itself comes from the judge's label.

The breakdown uses the Nova notebook keys: ``{criterion: {score_A, score_B, weight, type,
description, justification_A, justification_B}}``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from .rubric import Criterion, RubricJudgment

__all__ = ["normalised_score", "weighted_scores", "breakdown", "reweight",
           "scores_from_breakdown", "margin_preference"]


def normalised_score(ctype: str, score: Any) -> float:
    """A criterion score on [0, 1]: ``(s - 1) / 4`` for scale, 1.0/0.0 for binary."""
    if ctype == "binary":
        return 1.0 if score else 0.0
    if ctype == "scale":
        return (float(score) - 1.0) / 4.0
    raise ValueError(f"unknown criterion type {ctype!r} (expected scale or binary)")


def weighted_scores(criteria: Iterable[Criterion]) -> tuple[float, float]:
    """``(weighted_score_A, weighted_score_B)`` for a judgment's criteria."""
    a, b = [], []
    for c in criteria:
        a.append(c.weight * normalised_score(c.type, c.score_a))
        b.append(c.weight * normalised_score(c.type, c.score_b))
    return math.fsum(a), math.fsum(b)


def breakdown(j: RubricJudgment) -> dict[str, dict]:
    """``criteria_breakdown`` for one judgment, in the judge's criterion order."""
    return {c.name: {"score_A": c.score_a, "score_B": c.score_b, "weight": c.weight,
                     "type": c.type, "description": c.description,
                     "justification_A": c.justification_a, "justification_B": c.justification_b}
            for c in j.criteria}


def reweight(breakdown: Mapping[str, Mapping], weights: Mapping[str, float] | None = None,
             drop: Iterable[str] = ()) -> tuple[dict, list[str]]:
    """Re-weight a breakdown: drop criteria, replace weights, then renormalise to sum 1.

    Returns ``(new_breakdown, missing)``: ``missing`` lists the requested criterion names
    (in ``weights`` or ``drop``) that this breakdown does not have, in request order. Raises
    ``ValueError`` for a negative or non-finite weight, or when the kept weights sum to 0
    (an empty result, everything dropped, is returned as ``{}``).
    """
    weights = dict(weights or {})
    drop = list(drop)
    missing: list[str] = []
    for name in [*weights, *drop]:
        if name not in breakdown and name not in missing:
            missing.append(name)
    dropped = set(drop)
    out: dict[str, dict] = {}
    for name, entry in breakdown.items():
        if name in dropped:
            continue
        new = dict(entry)
        if name in weights:
            w = float(weights[name])
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"weight for {name!r} must be a finite number >= 0, got {w}")
            new["weight"] = w
        out[name] = new
    if not out:
        return out, missing
    total = math.fsum(float(e["weight"]) for e in out.values())
    if not math.isfinite(total) or total <= 0:
        raise ValueError("the kept criteria's weights sum to 0; cannot renormalise")
    for e in out.values():
        e["weight"] = float(e["weight"]) / total
    return out, missing


def scores_from_breakdown(bd: Mapping[str, Mapping]) -> tuple[float, float, float]:
    """``(weighted_score_A, weighted_score_B, margin)`` with margin = A - B."""
    a = math.fsum(float(e["weight"]) * normalised_score(e["type"], e["score_A"])
                  for e in bd.values())
    b = math.fsum(float(e["weight"]) * normalised_score(e["type"], e["score_B"])
                  for e in bd.values())
    return a, b, a - b


def margin_preference(margin: float, eps: float = 1e-9) -> str:
    """``"A"`` when the margin is above ``eps``, ``"B"`` when below ``-eps``, else ``"tie"``."""
    if margin > eps:
        return "A"
    if margin < -eps:
        return "B"
    return "tie"
