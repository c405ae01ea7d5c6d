"""Offline reweighting of a saved rubric run: change criterion weights or drop criteria and
recompute weighted scores, margins and a margin-based preference, without any model call.

Criteria are matched by name across examples; a requested name an example lacks is reported
(``missing``: criterion → example indices) and the example keeps its other criteria. The new
results are written beside the original run, in ``reweighted/<tag>/``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ConfigError, RunStateError
from ...judges.rubric_scores import margin_preference, reweight, scores_from_breakdown
from ...metrics.aggregate import mean_with_stderr
from ...stats.pairwise import pairwise_summary
from ...results.json_io import dumps_strict
from ...results.native import write_json

__all__ = ["reweight_run"]


def reweight_run(run_dir: str | Path, weights: Mapping[str, float] | None = None,
                 drop: Iterable[str] = (), *, seed: int = 0) -> dict[str, Any]:
    run = Path(run_dir)
    weights = dict(weights or {})
    drop = sorted(set(drop))
    for name, w in weights.items():
        if not (isinstance(w, (int, float)) and w >= 0):
            raise ConfigError(f"weight for '{name}' must be a number >= 0", field="--weight")
    try:
        task = json.loads((run / "metrics.json").read_text(encoding="utf-8")).get("task")
    except (OSError, json.JSONDecodeError):
        raise RunStateError("not a finished assay run (no readable metrics.json)", file=run) from None
    if task != "rubric_llm_judge":
        raise RunStateError(f"not a rubric_llm_judge run (task {task})", file=run)
    tag = hashlib.sha256(json.dumps([sorted(weights.items()), drop]).encode()).hexdigest()[:10]
    out_dir = run / "reweighted" / tag
    out_dir.mkdir(parents=True, exist_ok=True)
    missing: dict[str, list[int]] = {n: [] for n in sorted(set(weights) | set(drop))}
    rows, wa, wb, margins, prefs = [], [], [], [], []
    with (run / "examples.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            bd = rec.get("criteria_breakdown")
            if not bd:
                a = b = m = None
                pref = "error"
            else:
                try:
                    new_bd, lacking = reweight(bd, weights, drop)
                except ValueError as exc:   # e.g. every kept weight is 0
                    raise ConfigError(f"cannot reweight example {rec['index']}: {exc}",
                                      field="--weight") from None
                for name in lacking:
                    missing[name].append(rec["index"])
                a, b, m = scores_from_breakdown(new_bd) if new_bd else (None, None, None)
                pref = "error" if m is None else margin_preference(m)
                bd = new_bd
            wa.append(np.nan if a is None else a)
            wb.append(np.nan if b is None else b)
            margins.append(np.nan if m is None else m)
            prefs.append(pref)
            rows.append({"index": rec["index"], "id": rec["id"], "weighted_score_a": a,
                         "weighted_score_b": b, "score_margin": m, "margin_preference": pref,
                         "label": rec.get("label"), "criteria_breakdown": bd})
    flat: dict[str, float] = {}
    flat.update(mean_with_stderr("weighted_score_A", wa))
    flat.update(mean_with_stderr("weighted_score_B", wb))
    flat.update(mean_with_stderr("score_margin", margins))
    ps = pairwise_summary(prefs, seed=seed)
    flat.update({f"margin_{k}": ps[k] for k in ("winrate", "lower_rate", "upper_rate")})
    summary = {"source_run": str(run), "weights": weights, "drop": drop, "flat": flat,
               "margin_preference_counts": {k: prefs.count(k) for k in ("A", "B", "tie", "error")},
               "margin_verdict": ps["verdict"],
               "missing": {k: v for k, v in missing.items() if v}, "n_examples": len(rows)}
    with (out_dir / "examples.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(dumps_strict(r, ensure_ascii=False) + "\n")
    write_json(out_dir / "metrics.json", summary)
    summary["out_dir"] = str(out_dir)
    return summary
