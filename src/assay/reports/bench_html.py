"""A self-contained HTML report of one benchmark run (``report.html``): the settings, overall
and per-subtask metrics with 95% CIs, the base-vs-challenger comparison with its figure when
there is one, and an item browser (search, filters, full prompt, choices with their
log-likelihoods, generated text, and the base model's answer beside the challenger's).

The page loads nothing from outside (figures are embedded as base64 PNG, the script is inline)
and every piece of model or dataset text is HTML-escaped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .bench_html_parts import (CSS, JS, comparison_section, esc, header_section, item_browser,
                               overall_section, subtask_section)

__all__ = ["write_benchmark_report", "MAX_ITEMS"]

MAX_ITEMS = 5000
"""Items shown in the browser at most (the rest stay in examples.jsonl)."""


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of an ``examples.jsonl``, skipping unreadable lines."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict):
                yield rec


def _load_items(path: Path, cap: int) -> tuple[list[dict[str, Any]], int]:
    """The first ``cap`` records and the total count."""
    shown: list[dict[str, Any]] = []
    total = 0
    for rec in _iter_records(path):
        total += 1
        if len(shown) < cap:
            shown.append(rec)
    return shown, total


def _load_base(base_dir: Path, ids: set[str]) -> dict[str, dict[str, Any]] | None:
    """The base run's records by id, for the ids shown (None without a base run)."""
    if not (base_dir / "examples.jsonl").is_file():
        return None
    return {str(r.get("id")): r for r in _iter_records(base_dir / "examples.jsonl")
            if str(r.get("id")) in ids}


def _title(run_dir: Path, summary: dict[str, Any]) -> str:
    manifest = _read_json(run_dir / "run.json") or {}
    try:
        name = manifest["recipe"]["run"]["name"]
    except (KeyError, TypeError):
        name = None
    return str(name or run_dir.name or summary.get("benchmark") or "benchmark run")


def write_benchmark_report(run_dir: str | Path, out: str | Path | None = None, *,
                           max_items: int = MAX_ITEMS) -> Path:
    """Write the HTML report of the benchmark run in ``run_dir`` (``run_dir/report.html``
    unless ``out`` is given) and return its path.

    Reads ``metrics.json``, ``examples.jsonl``, and when present ``comparison.json`` (or the
    ``comparison`` key of metrics.json), ``comparison.png`` and the ``base/`` run."""
    run_dir = Path(run_dir)
    summary = _read_json(run_dir / "metrics.json")
    if summary is None:
        raise ValueError(f"{run_dir}: no readable metrics.json")
    out = Path(out) if out else run_dir / "report.html"
    comparison = _read_json(run_dir / "comparison.json") or summary.get("comparison")
    base_summary = _read_json(run_dir / "base" / "metrics.json")
    title = _title(run_dir, summary)
    h: list[str] = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>assay · {esc(title)}</title><style>{CSS}</style></head><body>",
        header_section(summary, title, base_summary)]
    if isinstance(comparison, dict):
        png = run_dir / "comparison.png"
        h.append(comparison_section(comparison, png if png.is_file() else None))
    h.append(overall_section(summary))
    h.append(subtask_section(summary))
    records, total = _load_items(run_dir / "examples.jsonl", max_items)
    base = _load_base(run_dir / "base", {str(r.get("id")) for r in records})
    h.append(item_browser(records, base, total, max_items))
    h.append(f"<p class='muted'>written by assay from {esc(run_dir.name)}/metrics.json and "
             f"examples.jsonl</p><script>{JS}</script></body></html>")
    out.write_text("".join(h), encoding="utf-8")
    return out
