"""A self-contained HTML report of one benchmark run (``report.html``): the settings, overall
and per-subtask metrics with 95% CIs, the base-vs-challenger comparison with its figure when
there is one, the choice-probability calibration with its reliability diagram when the run
scored choices by log-likelihood, and an item browser (search, filters, full prompt, choices
with their log-likelihoods and probabilities, generated text, and the base model's answer
beside the challenger's).

The page loads nothing from outside (figures are embedded as base64 PNG, the script is inline)
and every piece of model or dataset text is HTML-escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .report_calibration import calibration_section
from .report_parts import (EXTRA_CSS, JS, comparison_section, esc, header_section,
                               header_subtitle, item_browser, overall_section,
                               subtask_section)
from ...reports.html_page import ITEM_BUDGET, iter_records, page, read_json, run_title

__all__ = ["write_benchmark_report", "MAX_ITEMS"]

MAX_ITEMS = 5000
"""Items shown in the browser at most (the rest stay in examples.jsonl)."""


def _load_items(path: Path, cap: int) -> tuple[list[dict[str, Any]], int]:
    """The first ``cap`` records (fewer when they are very long) and the total count."""
    shown: list[dict[str, Any]] = []
    total = size = 0
    for rec in iter_records(path):
        total += 1
        if len(shown) < cap and size < ITEM_BUDGET:
            shown.append(rec)
            size += sum(min(len(str(rec.get(k) or "")), 2000)
                        for k in ("prompt", "prediction", "system", "question")) + 2000
    return shown, total


def _load_base(base_dir: Path, ids: set[str]) -> dict[str, dict[str, Any]] | None:
    """The base run's records by id, for the ids shown (None without a base run)."""
    if not (base_dir / "examples.jsonl").is_file():
        return None
    return {str(r.get("id")): r for r in iter_records(base_dir / "examples.jsonl")
            if str(r.get("id")) in ids}


def write_benchmark_report(run_dir: str | Path, out: str | Path | None = None, *,
                           max_items: int = MAX_ITEMS) -> Path:
    """Write the HTML report of the benchmark run in ``run_dir`` (``run_dir/report.html``
    unless ``out`` is given) and return its path.

    Reads ``metrics.json``, ``examples.jsonl``, and when present ``comparison.json`` (or the
    ``comparison`` key of metrics.json), ``comparison.png`` (drawn now when missing) and the
    ``base/`` run."""
    run_dir = Path(run_dir)
    summary = read_json(run_dir / "metrics.json")
    if summary is None:
        raise ValueError(f"{run_dir}: no readable metrics.json")
    out = Path(out) if out else run_dir / "report.html"
    comparison = read_json(run_dir / "comparison.json") or summary.get("comparison")
    base_summary = read_json(run_dir / "base" / "metrics.json")
    title = run_title(run_dir, summary.get("benchmark"))
    h: list[str] = [header_section(summary, base_summary)]
    toc = []
    if isinstance(comparison, dict):
        png = run_dir / "comparison.png"
        h.append(comparison_section(comparison, png if png.is_file() else None))
        toc.append(("comparison", "Base vs challenger"))
    h.append(overall_section(summary))
    h.append(subtask_section(summary))
    h.append(calibration_section(summary))
    toc += [("overall", "Overall")] + ([("subtasks-h", "Subtasks")] if summary.get("subtasks")
                                       else []) \
        + ([("calibration", "Calibration")] if isinstance(summary.get("calibration"), dict)
           else []) + [("items-h", "Items")]
    records, total = _load_items(run_dir / "examples.jsonl", max_items)
    base = _load_base(run_dir / "base", {str(r.get("id")) for r in records})
    h.append(item_browser(records, base, total, max_items))
    h.append(f"<p class='muted'>written by assay from {esc(run_dir.name)}/metrics.json and "
             "examples.jsonl</p>")
    out.write_text(page(title, h, extra_js=JS, extra_css=EXTRA_CSS, toc=toc,
                        subtitle=header_subtitle(summary, base_summary)), encoding="utf-8")
    return out
