"""RAG aggregation: the judge metrics as the pointwise judge summarises them (mean 0-1 score
with a 95% CI, counts, per segment; :func:`assay.tasks.pointwise_judge.summary.summarise`),
for unit metrics also the distribution of unit ratings; the model-free retrieval metrics with
their CIs, per segment (:func:`assay.metrics.retrieval.summarise_retrieval`); and the citation
checks (:func:`assay.metrics.citations.summarise_citations`)."""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

from ...metrics.citations import summarise_citations
from ...metrics.retrieval import DEFAULT_KS, metric_names, summarise_retrieval
from ..pointwise_judge.summary import summarise

__all__ = ["summarise_rag", "print_rag"]


def _unit_labels(metric: Any, records: list[dict[str, Any]]) -> dict[str, int]:
    counts = {label: 0 for label in metric.labels}
    for r in records:
        for u in (r["ratings"].get(metric.name) or {}).get("units") or ():
            if u.get("label") is not None:
                counts[u["label"]] = counts.get(u["label"], 0) + 1
    return counts


def summarise_rag(metrics: tuple[Any, ...], records: list[dict[str, Any]],
                  group_by: list[str], k: int = 1, ks: tuple[int, ...] = DEFAULT_KS
                  ) -> tuple[dict[str, Any], list[str], list[str]]:
    """``(summary, group-by fields used, warnings)`` of a run's records (dataset order)."""
    body, fields, warnings = summarise(metrics, records, group_by, k)
    for m in metrics:
        body["metrics"][m.name]["unit"] = m.unit
        reasons: dict[str, int] = {}
        for r in records:
            rating = r["ratings"].get(m.name) or {}
            if rating.get("status") == "skipped":
                why = rating.get("problem") or "not judged"
                reasons[why] = reasons.get(why, 0) + 1
        body["metrics"][m.name]["skipped_reasons"] = reasons
        if m.unit != "whole":   # a unit metric's ratings are its units' (an example has none)
            units = _unit_labels(m, records)
            body["metrics"][m.name]["unit_labels"] = units
            body["metrics"][m.name]["labels"] = units
    retrieval = None
    if any(r.get("retrieval") is not None for r in records):
        empty = dict.fromkeys(metric_names(ks))
        retrieval = summarise_retrieval([r.get("retrieval") or empty for r in records],
                                        metadata=[r["metadata"] for r in records],
                                        group_by=fields)
        warnings += [w for w in retrieval.pop("warnings", []) if w not in warnings]
    checks = [r["citation_check"] for r in records if r.get("citation_check") is not None]
    citations = summarise_citations([SimpleNamespace(**c) for c in checks]) if checks else None
    return {**body, "retrieval": retrieval, "citation_checks": citations}, fields, warnings


def print_rag(summary: dict[str, Any], name: str) -> None:
    """The console: the judge metrics table (as the pointwise judge prints it), then the
    retrieval metrics and the citation checks."""
    from rich.console import Console
    from rich.table import Table

    from ...reports.console import plain
    from ..pointwise_judge.summary import print_pointwise

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    if summary["metrics"]:
        print_pointwise(summary, name)
    else:
        console.print(plain(f"{name} · {summary['model']}: {summary['n_examples']} examples "
                            "(no judge metric)"))
    for metric, s in summary["metrics"].items():
        for why, n in (s.get("skipped_reasons") or {}).items():
            console.print(plain(f"note: {metric}: {n} of {summary['n_examples']} examples not "
                                f"judged: {why}"))

    def num(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}"

    ret = summary.get("retrieval")
    if ret:
        t = Table(title=plain(f"retrieval (model-free; {ret['n_with_references']} queries with "
                              f"reference contexts)"), title_justify="left")
        for col in ("metric", "mean", "95% CI", "n"):
            t.add_column(col, justify="left" if col == "metric" else "right")
        for metric, s in ret["metrics"].items():
            t.add_row(metric, num(s["value"]), f"[{num(s['ci_low'])}, {num(s['ci_high'])}]",
                      str(s["n"]))
        console.print(t)
    cit = summary.get("citation_checks")
    if cit and cit["n_citations"]:
        cov = cit["coverage"]
        console.print(plain(
            f"citation checks (no judge): {cit['n_citations']} citations; spans inside the "
            f"answer {num(cit['in_bounds'])}, aligned with their text {num(cit['aligned'])}; "
            f"cited passages among the retrieved {num(cit['references_retrieved'])}; answer "
            f"covered by citations {num(cov['value'])} [{num(cov['ci_low'])}, "
            f"{num(cov['ci_high'])}]"))
