"""The measured human agreement of the default embedded judge, shown next to its verdicts.

``quality.json`` (beside this module) holds, per embedded judge model, the agreement of its
reconciled verdicts with human majority labels as measured by ``bench/judge_quality.py``
(``agreement``, its Wilson 95% CI ``ci_low``/``ci_high``, ``n``, ``chance``; the same for the
probability-weighted verdicts: ``weighted_agreement``, ``weighted_ci_low``/``_high``) or ``null``
where not measured yet. A run whose judge is one of these models carries the entry in
``metrics.json`` (``embedded_judge``); the console and the HTML report state it and that a
real judge model (``--judge openai/...``) gives meaningful verdicts.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["embedded_judge_quality", "embedded_judge_line", "embedded_grader_line",
           "REAL_JUDGE_HINT"]

REAL_JUDGE_HINT = ("it is a tiny model meant for trying assay out; a real judge model "
                   "(--judge openai/...) gives meaningful verdicts")


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    try:
        data = json.loads((Path(__file__).parent / "quality.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def embedded_judge_quality(model: str | None) -> dict[str, Any] | None:
    """The ``quality.json`` entry of ``model`` plus ``model`` and ``note``, or ``None``."""
    entry = _table().get((model or "").strip())
    if not isinstance(entry, dict):
        return None
    return {"model": model, **entry, "note": REAL_JUDGE_HINT}


def agreement_text(entry: dict[str, Any] | None) -> str:
    if not entry:
        return ""
    a = entry.get("agreement")
    if not isinstance(a, (int, float)):
        return "not measured"
    text = f"{100 * a:.1f}%"
    lo, hi = entry.get("ci_low"), entry.get("ci_high")
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
        text += f" (95% CI {100 * lo:.1f}% to {100 * hi:.1f}%)"
    if isinstance(entry.get("n"), int):
        text += f" on {entry['n']} human-labelled pairs"
    w = entry.get("weighted_agreement")
    if isinstance(w, (int, float)):
        text += f"; its probability-weighted verdicts {100 * w:.1f}%"
        wlo, whi = entry.get("weighted_ci_low"), entry.get("weighted_ci_high")
        if isinstance(wlo, (int, float)) and isinstance(whi, (int, float)):
            text += f" ({100 * wlo:.1f}% to {100 * whi:.1f}%)"
    if isinstance(entry.get("chance"), (int, float)):
        text += (f"; always answering the most common human label scores "
                 f"{100 * entry['chance']:.1f}%")
    return text


def embedded_judge_line(entry: dict[str, Any] | None) -> str:
    """One sentence for the console and the report, or ``""`` when not the embedded judge."""
    if not entry:
        return ""
    return (f"judge {entry.get('model')} is the embedded model: measured agreement with human "
            f"labels {agreement_text(entry)}; {REAL_JUDGE_HINT}.")


def embedded_grader_line(entry: dict[str, Any] | None) -> str:
    """The same warning for a pointwise (grading) run by the embedded judge, or ``""``."""
    if not entry:
        return ""
    w, chance = entry.get("weighted_agreement"), entry.get("chance")
    measured = ""
    if isinstance(w, (int, float)) and isinstance(chance, (int, float)):
        measured = (f"; as a pairwise judge it agrees with people {100 * w:.1f}% of the time, "
                    f"against {100 * chance:.1f}% for always giving the most common answer "
                    "(docs/judge_quality.md)")
    return (f"judge {entry.get('model')} is the embedded model{measured}: read these scores "
            "as a check of the pipeline, not of quality; a real judge model "
            "(--judge openai/...) gives meaningful scores.")
