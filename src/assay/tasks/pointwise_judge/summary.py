"""Pointwise judge aggregation: per metric, the mean normalised score with a 95% CI (Wilson
when every score is 0 or 1, else Student t clipped to 0-1;
:func:`assay.stats.intervals.metric_interval`), the counts of scored,
not-applicable, unparseable, failed and skipped examples, the label distribution, the mean
probability-weighted (G-Eval) score with its CI and, with judge samples, their dispersion; the same
per segment of every ``assay.group_by`` field (a Bedrock ``category`` is always one)."""

from __future__ import annotations

import sys
from typing import Any

from ...analysis.stratify import MISSING, group_value, missing_field_warning
from ...judges.pointwise import JudgeMetric
from ...stats.intervals import finite_or_none, mean_stderr, metric_interval
from ...stats.proportion import is_binary, successes
from .records import STATUSES
from .sampling import reliability

__all__ = ["metric_summary", "summarise", "print_pointwise", "CATEGORY"]

#: the group-by field every run reports when its rows carry one (Bedrock's ``category``)
CATEGORY = "category"


def _num(v: float) -> float | None:
    return finite_or_none(v)


def _interval(values: list[float]) -> dict[str, Any]:
    """Mean, stderr and 95% interval: Wilson when every value is 0 or 1 (a two-point scale,
    or scores that all agree: a t interval would then have zero width), else Student t."""
    mean, stderr = mean_stderr(values) if values else (float("nan"), float("nan"))
    wins = successes(values)[0] if values and is_binary(values) else None
    lo, hi = metric_interval(mean, stderr, len(values), successes=wins, bounds=(0.0, 1.0))
    return {"value": _num(mean), "stderr": _num(stderr), "ci_low": _num(lo),
            "ci_high": _num(hi), "n": len(values)}


def metric_summary(metric: JudgeMetric, ratings: list[dict[str, Any]],
                   k: int = 1) -> dict[str, Any]:
    """One metric over some examples' ratings (``{status, label, score}`` dicts): the mean
    score with its CI, the counts, the label distribution (every sample's label when
    ``k > 1``), ``weighted`` (the mean probability-weighted score of the scored examples that
    have one, with its CI) and, for ``k > 1``, ``samples`` (:func:`.sampling.reliability`)."""
    scores = [r["score"] for r in ratings if r.get("status") == "scored"
              and r.get("score") is not None]
    counts = {s: 0 for s in STATUSES}
    for r in ratings:
        counts[r.get("status", "failed")] = counts.get(r.get("status", "failed"), 0) + 1
    labels = {label: 0 for label in metric.labels}
    for r in ratings:
        for x in (r.get("samples") or [r]) if k > 1 else [r]:
            if x.get("label") in labels:
                labels[x["label"]] += 1
    weighted = [r["weighted_score"] for r in ratings if r.get("status") == "scored"
                and r.get("weighted_score") is not None]
    return {**_interval(scores), "weighted": _interval(weighted),
            "n_examples": len(ratings), "n_not_applicable": counts["not_applicable"],
            "n_unparseable": counts["unparseable"], "n_failed": counts["failed"],
            "n_skipped": counts["skipped"], "labels": labels,
            **({"samples": reliability(ratings, k)} if k > 1 else {})}


def _describe(metric: JudgeMetric) -> dict[str, Any]:
    return {"source": metric.source, "scale": metric.scale_kind,
            "lower_is_better": metric.lower_is_better,
            "scale_labels": {i.label: metric.score(i) for i in metric.scale}}


def summarise(metrics: tuple[JudgeMetric, ...], records: list[dict[str, Any]],
              group_by: list[str], k: int = 1) -> tuple[dict[str, Any], list[str], list[str]]:
    """``(summary, group-by fields used, warnings)`` of a run's records (dataset order)."""
    fields = list(group_by)
    if CATEGORY not in fields and any(group_value(r["metadata"], CATEGORY) != MISSING
                                      for r in records):
        fields.append(CATEGORY)
    warnings = [missing_field_warning(f) for f in fields
                if records and all(group_value(r["metadata"], f) == MISSING for r in records)]
    out: dict[str, Any] = {}
    for m in metrics:
        column = [r["ratings"].get(m.name, {"status": "failed"}) for r in records]
        out[m.name] = {**_describe(m), **metric_summary(m, column, k)}
    groups: dict[str, Any] = {}
    for f in fields:
        keys = [group_value(r["metadata"], f) for r in records]
        groups[f] = {}
        for seg in sorted(set(keys)):
            rows = [r for r, key in zip(records, keys) if key == seg]
            groups[f][seg] = {"n": len(rows), "metrics": {
                m.name: metric_summary(m, [r["ratings"].get(m.name, {"status": "failed"})
                                           for r in rows], k) for m in metrics}}
    return {"metrics": out, "groups": groups}, fields, warnings


def print_pointwise(summary: dict[str, Any], name: str) -> None:
    """The console tables: one row per metric, then one table per group-by field."""
    from rich.console import Console
    from rich.table import Table

    from ...reports.console import plain

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)

    def num(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}"

    t = Table(title=plain(f"{name} · {summary['model']} judged by {summary['judge_model']}: "
                          f"{summary['n_examples']} examples"), title_justify="left")
    stats = list(summary["metrics"].values())
    weighted = any((s.get("weighted") or {}).get("n") for s in stats)
    sampled = any("samples" in s for s in stats)
    cols = ["metric", "mean (0-1)", "95% CI", "scored", "n/a", "unparseable", "failed/skipped"]
    cols += ["weighted [95% CI]"] if weighted else []
    cols += ["sample SD", "disagree"] if sampled else []
    for col in cols:
        t.add_column(col, justify="left" if col == "metric" else "right")
    for metric, s in summary["metrics"].items():
        mark = " (lower is better)" if s["lower_is_better"] else ""
        w, rel = s.get("weighted") or {}, s.get("samples") or {}
        extra = [f"{num(w.get('value'))} [{num(w.get('ci_low'))}, {num(w.get('ci_high'))}]"] \
            if weighted else []
        extra += [num(rel.get("mean_sd")), num(rel.get("share_disagree"))] if sampled else []
        t.add_row(plain(metric + mark), num(s["value"]),
                  f"[{num(s['ci_low'])}, {num(s['ci_high'])}]", str(s["n"]),
                  str(s["n_not_applicable"]), str(s["n_unparseable"]),
                  str(s["n_failed"] + s["n_skipped"]), *extra)
    console.print(t)
    from ...judges.quality import embedded_grader_line

    line = embedded_grader_line(summary.get("embedded_judge"))
    if line:
        console.print(plain(line), style="yellow")
    for field, segs in summary["groups"].items():
        g = Table(title=plain(f"by {field}"), title_justify="left")
        g.add_column("segment")
        g.add_column("n", justify="right")
        for metric in summary["metrics"]:
            g.add_column(plain(metric), justify="right")
        for seg, body in segs.items():
            cells = []
            for metric in summary["metrics"]:
                s = body["metrics"][metric]
                cells.append(f"{num(s['value'])} [{num(s['ci_low'])}, {num(s['ci_high'])}]")
            g.add_row(plain(seg), str(body["n"]), *cells)
        console.print(g)
