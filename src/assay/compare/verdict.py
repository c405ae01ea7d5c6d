"""The plain verdict of a comparison, per metric and overall.

A difference is significant only when the paired test rejects at ``alpha`` (0.05) *and* the
bootstrap 95% CI of the difference excludes 0: the rule of
:func:`assay.stats.paired.comparison_verdict`, which this module applies. For a metric where
lower is better (a rubric's ``score_margin``) the direction flips.
"""

from __future__ import annotations

import math
from typing import Any

from ..stats.paired import comparison_verdict

__all__ = ["BETTER", "WORSE", "NO_DIFFERENCE", "NO_VERDICT", "plain_verdict", "verdict_line"]

BETTER = "B is better"
WORSE = "B is worse"
NO_DIFFERENCE = "no significant difference"
NO_VERDICT = "no verdict: no scored pairs"

_TEST_NAMES = {"mcnemar_exact": "McNemar exact", "paired_t": "paired t",
               "sign_test": "sign test"}


def plain_verdict(diff: float, lo: float, hi: float, p: float, *, alpha: float = 0.05,
                  higher_is_better: bool = True) -> str:
    """One of :data:`BETTER`, :data:`WORSE`, :data:`NO_DIFFERENCE`, :data:`NO_VERDICT`."""
    s = 1.0 if higher_is_better else -1.0
    lo2, hi2 = sorted((s * lo, s * hi))
    text = comparison_verdict(s * diff, lo2, hi2, p, alpha=alpha, better="B", worse="A")
    if text.startswith("B is better"):
        return BETTER
    if text.startswith("A is better"):
        return WORSE
    if text.startswith("no verdict"):
        return NO_VERDICT
    return NO_DIFFERENCE


def _num(v: Any, digits: int = 4) -> str:
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        return "n/a"
    return f"{v:.{digits}g}" if abs(v) >= 1000 else f"{v:.{digits}f}"


def _signed(v: Any) -> str:
    s = _num(v)
    return s if s == "n/a" or s.startswith("-") else "+" + s


def verdict_line(metric: str, block: dict[str, Any]) -> str:
    """One sentence for ``block`` (a metric of comparison.json): the verdict, both values,
    the difference with its CI and the primary test's p-value."""
    p = block.get("p_value")
    test = _TEST_NAMES.get(str(block.get("test")), str(block.get("test")))
    ptext = f"p = {p:.3g}" if isinstance(p, (int, float)) and math.isfinite(p) else "p n/a"
    return (f"{block['verdict']} on {metric}: A {_num(block.get('a'))}, B {_num(block.get('b'))}"
            f", B − A {_signed(block.get('difference'))} (95% CI [{_num(block.get('ci_low'))}, "
            f"{_num(block.get('ci_high'))}]), {test} {ptext}, {block.get('n_pairs', 0)} pairs")
