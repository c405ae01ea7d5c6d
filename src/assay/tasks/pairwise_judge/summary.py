"""Judge-run aggregation: Nova's judge metrics with a Bradley-Terry win rate and a
prompt-bootstrap 95% CI, per segment, with judge quality against human labels."""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

from ...analysis.stratify import MISSING, group_value, missing_field_warning
from ...backends.redact import redact_config
from ...config.recipe import Recipe
from ...results.native import write_json
from ...results.nova import task_key, write_results_json
from ...results.run_result import RunResult
from ...results.store import RunStore
from ...stats.pairwise import pairwise_summary
from .writers import JudgeWriter

__all__ = ["judge_summary", "finalize_judge", "print_judge", "add_probability_metrics"]

_FLAT_KEYS = ("a_scores", "b_scores", "ties", "inference_error", "score")


def judge_summary(outcomes: list[str], consistent: list[bool], *, seed: int,
                  human: list[str | None] | None = None, forward: list[str] | None = None,
                  backward: list[str] | None = None) -> dict[str, Any]:
    """Nova's flat judge keys, counts, verdict and position consistency for a set of examples."""
    s = pairwise_summary(outcomes, seed=seed)
    flat = {k: s[k] for k in _FLAT_KEYS} | {k + "_stderr": s[k + "_stderr"] for k in _FLAT_KEYS}
    flat.update(winrate=s["winrate"], lower_rate=s["lower_rate"], upper_rate=s["upper_rate"])
    parsed = [c for c, o in zip(consistent, outcomes) if o != "error"]
    out = {
        "n_examples": len(outcomes),
        "n_errors": outcomes.count("error"),
        "counts": {k: outcomes.count(k) for k in ("A", "B", "tie", "error")},
        "flat": dict(sorted(flat.items())),
        "verdict": s["verdict"],
        "position_consistency": (sum(parsed) / len(parsed)) if parsed else None,
    }
    if human is not None and any(h is not None for h in human):
        out["judge_quality"] = _quality(human, forward or [], backward or [])
    return out


def _quality(human: list[str | None], forward: list[str], backward: list[str]) -> dict | None:
    try:
        from ...stats.agreement import agreement_report
    except ImportError:  # pragma: no cover - the module ships with assay
        return None
    idx = [i for i, h in enumerate(human) if h is not None]
    return agreement_report([human[i] for i in idx], [forward[i] for i in idx],
                            [backward[i] for i in idx])


def add_probability_metrics(summary: dict[str, Any], outcomes: list[str],
                            human: list[str | None], probs: list[dict | None], *, seed: int,
                            judge_model: str) -> None:
    """The probability-weighted win rate, the judge's calibration against human labels (when
    both exist) and, for the embedded judge, its measured human agreement (``quality.json``)."""
    from ...judges.quality import embedded_judge_quality
    from .weighted import judge_calibration, weighted_winrate

    summary["weighted_winrate"] = weighted_winrate(probs, seed=seed)
    if any(h is not None for h in human):
        calibration = judge_calibration(outcomes, human, probs, seed=seed)
        if calibration is not None:
            summary["judge_calibration"] = calibration
    embedded = embedded_judge_quality(judge_model)
    if embedded is not None:
        summary["embedded_judge"] = embedded


def finalize_judge(recipe: Recipe, store: RunStore, manifest: dict, unit_ids: list[str],
                   model: str, start: float, *, rubric: bool = False) -> RunResult:
    """Aggregate a judge run's records (pairwise, or rubric with ``rubric``) and write every
    output: Nova results and details, native records, metrics.json, the six-panel figure."""
    key = task_key(recipe.evaluation.task, recipe.evaluation.strategy or "judge")
    date_id = manifest["date_id"]
    writer = JudgeWriter(store.dir, model=model, date_id=date_id, key=key)
    outcomes, consistent, human, fwd, bwd, probs = [], [], [], [], [], []
    rubric_rows: list[dict] = []
    keys: dict[str, list[str]] = {f: [] for f in recipe.assay.group_by}
    try:
        for rec, line in store.iter_unit_records(unit_ids):
            writer.add(rec, line)
            outcomes.append(rec["outcome"])
            consistent.append(bool(rec["consistent"]))
            human.append(rec["human_label"])
            fwd.append(rec["forward_verdict"])
            bwd.append(rec["backward_verdict"])
            probs.append(rec.get("verdict_probs"))   # absent in records of older runs
            if rubric:
                rubric_rows.append({k: rec.get(k) for k in (
                    "weighted_score_a", "weighted_score_b", "score_margin", "criteria_breakdown",
                    "bothbad", "label", "human_label", "outcome")})
            for f in keys:
                keys[f].append(group_value(rec["metadata"], f))
    finally:
        writer.close()
    seed = recipe.assay.seed
    summary = judge_summary(outcomes, consistent, seed=seed, human=human, forward=fwd, backward=bwd)
    add_probability_metrics(summary, outcomes, human, probs, seed=seed,
                            judge_model=recipe.judge.model)
    warnings = [missing_field_warning(f) for f, column in keys.items()
                if column and all(v == MISSING for v in column)]
    for text in warnings:
        print(text, file=sys.stderr)
    summary["warnings"] = warnings
    groups: dict[str, Any] = {}
    for f, column in keys.items():
        col = np.asarray(column, dtype=object)
        groups[f] = {}
        for seg in sorted(set(column)):
            idx = np.flatnonzero(col == seg)
            sub = judge_summary([outcomes[i] for i in idx], [consistent[i] for i in idx], seed=seed)
            groups[f][seg] = {"n": sub["n_examples"], "n_errors": sub["n_errors"],
                              "counts": sub["counts"], "flat": sub["flat"],
                              "verdict": sub["verdict"]}
    if rubric:
        from ..rubric_judge.summary import add_rubric_summary
        add_rubric_summary(summary, rubric_rows, store.dir)
    summary = {"task": recipe.evaluation.task, "task_key": key, "model": model,
               "judge": redact_config(recipe.judge.model_dump()), "group_by": list(recipe.assay.group_by),
               "seed": seed, **summary, "groups": groups}
    end = time.time()
    results_path = write_results_json(writer.eval_dir, date_id, key, summary["flat"],
                                      model_name=model, start_time=start, end_time=end)
    write_json(store.dir / "metrics.json", summary)
    # the six-panel figure and report.html are drawn by the task's write_report, at the end
    # of the run and again by `assay report`
    paths = {"results": str(results_path), "details": str(writer.details_path),
             "examples_parquet": str(writer.parquet_path), "examples_jsonl": str(writer.jsonl_path),
             "metrics": str(store.dir / "metrics.json"),
             "figure": str(store.dir / "judge_summary.png"),
             "report": str(store.dir / "report.html")}
    store.write_manifest(dict(manifest, status="succeeded", finished=end, paths=paths))
    return RunResult(run_dir=store.dir, task=recipe.evaluation.task, model=model,
                     summary=summary, paths=paths)


def print_judge(summary: dict, name: str, model: str) -> None:
    """The console table of a judge run."""
    from rich.console import Console
    from rich.table import Table

    f, c = summary["flat"], summary["counts"]
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    from ...reports.console import plain

    t = Table(title=plain(f"{name} · judge {model}: {summary['n_examples']} pairs"),
              title_justify="left")
    for col in ("A wins", "B wins", "ties", "errors", "win rate (B)", "95% CI", "consistency",
                "verdict"):
        t.add_column(col, justify="right")

    def pct(v: Any) -> str:
        return "-" if v is None or v != v else f"{v:.3f}"

    t.add_row(str(c["A"]), str(c["B"]), str(c["tie"]), str(c["error"]), pct(f["winrate"]),
              f"[{pct(f['lower_rate'])}, {pct(f['upper_rate'])}]",
              pct(summary["position_consistency"]), summary["verdict"])
    console.print(t)
    for line in probability_lines(summary):
        console.print(plain(line))


def probability_lines(summary: dict) -> list[str]:
    """The console lines of the weighted win rate, the calibration and the embedded judge."""
    def num(v: Any) -> str:
        return "-" if v is None or v != v else f"{v:.3f}"

    lines = []
    w = summary.get("weighted_winrate") or {}
    if w.get("value") is not None:
        lines.append(f"probability-weighted win rate (B): {num(w['value'])} "
                     f"[{num(w.get('lower'))}, {num(w.get('upper'))}] over {w.get('n')} pairs "
                     "with verdict probabilities")
    cal = summary.get("judge_calibration")
    if isinstance(cal, dict):
        lines.append(f"judge calibration vs human labels: n {cal.get('n')}, accuracy "
                     f"{num(cal.get('accuracy'))}, mean confidence "
                     f"{num(cal.get('mean_confidence'))}, ECE "
                     f"{num((cal.get('ece') or {}).get('value'))}, Brier "
                     f"{num((cal.get('brier') or {}).get('value'))}")
    from ...judges.quality import embedded_judge_line
    line = embedded_judge_line(summary.get("embedded_judge"))
    if line:
        lines.append(line)
    return lines
