"""Base vs challenger on the same benchmark items: per subtask and overall, both scores, the
improvement, McNemar's exact test (0/1 metrics) or a paired t-test (continuous ones) and a
seeded paired bootstrap CI of the difference, with a plain verdict. The statistics are those
of ``assay compare`` (:mod:`assay.compare.paired_stats`); this module only pairs the records."""

from __future__ import annotations

from typing import Any

from ...compare.paired_stats import compare_paired, compare_strata, values_binary
from ...results.run_result import RunResult

__all__ = ["compare_records"]


def _slim(result: RunResult) -> dict[str, dict[str, Any]]:
    """id → what the comparison needs of each record (read once per run)."""
    return {r["id"]: {"subtask": r["subtask"], "prompt": r["prompt"], "failed": r["error"]
                      is not None, "metrics": r["metrics"]} for r in result.records_dicts()}


def _scores(recs: dict[str, dict[str, Any]], metric: str) -> dict[str, tuple[str, float]]:
    nan = float("nan")
    return {i: (r["subtask"], nan if r["failed"] else float(r["metrics"].get(metric, nan)))
            for i, r in recs.items()}


def compare_records(base: RunResult, challenger: RunResult, *, metrics: list[str], seed: int,
                    n_resamples: int, keys: dict[str, str]) -> dict[str, Any]:
    """Pair the two runs' records by item id (identical items by construction) and compare
    every metric overall and per subtask. ``keys`` maps subtasks to their task keys."""
    out: dict[str, Any] = {"base_model": base.model, "challenger_model": challenger.model,
                           "base_run": str(base.run_dir), "challenger_run": str(challenger.run_dir),
                           "base_system_prompt": base.summary.get("system_prompt"),
                           "challenger_system_prompt": challenger.summary.get("system_prompt"),
                           "methods": {"base": base.summary.get("methods"),
                                       "challenger": challenger.summary.get("methods")},
                           "seed": seed, "metrics": {}}
    base_recs, chal_recs = _slim(base), _slim(challenger)
    for metric in metrics:
        b, c = _scores(base_recs, metric), _scores(chal_recs, metric)
        ids = [i for i in c if i in b]
        if not ids:
            continue
        subs = [c[i][0] for i in ids]
        xb = [b[i][1] for i in ids]
        xc = [c[i][1] for i in ids]
        binary = values_binary(xb, xc)
        block: dict[str, Any] = {"binary": binary, "n_paired": len(ids),
                                 "n_unpaired": len(set(b) ^ set(c))}
        kw = {"binary": binary, "n_resamples": n_resamples, "seed": seed, "rank_test": False}
        block["overall"] = compare_paired(xb, xc, strata=subs, **kw)
        block["subtasks"] = {sub: dict(r, task_key=keys.get(sub, sub))
                             for sub, r in compare_strata(xb, xc, subs, **kw).items()}
        out["metrics"][metric] = block
    differ = [i for i, r in chal_recs.items()
              if i in base_recs and base_recs[i]["prompt"] != r["prompt"]]
    # identical items by construction; a system prompt moves the log-likelihood context
    out["items_with_different_prompts"] = len(differ)
    primary = next(iter(out["metrics"]), None)
    out["primary_metric"] = primary
    out["verdict"] = out["metrics"][primary]["overall"]["verdict"] if primary else \
        "no verdict: no items in common"
    return out
