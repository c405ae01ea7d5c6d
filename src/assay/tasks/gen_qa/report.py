"""The HTML report of a gen_qa run (``report.html``): headline cards for every metric
(built-in, processor and scorer metrics), the metrics table with 95% CIs, one table per
group-by field with segments as columns (wrapped, never scrolled sideways), the confidence
calibration (:mod:`.report_calibration`), and a searchable example browser. Reads only
``metrics.json``, ``run.json`` and ``examples.jsonl``.

Every piece of model or dataset text is HTML-escaped; long texts are cut at
:data:`~assay.reports.html_page.TEXT_LIMIT` characters (the full text stays in the records)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...reports.html_page import (ITEM_BUDGET, bar, card, cards, ci_text, clip, esc, fmt, iter_records,
                        long_text, note, page, read_run, run_title, search_box, segment_attrs,
                        segment_filters, filter_check)
from .report_calibration import calibration_section

__all__ = ["write_gen_qa_report", "write_html_report", "MAX_EXAMPLES"]

MAX_EXAMPLES = 2000
"""Examples shown in the browser at most (the rest stay in examples.jsonl)."""

_SEG_COLS = 5
"""Segments per table: more segments wrap into further tables (no sideways scrolling)."""


def _metric_groups(s: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The metric names split into built-in, processor (custom) and scorer metrics."""
    names = list(s.get("metrics") or {})
    custom = [n for n in s.get("custom_metrics") or [] if n in names]
    scorers = [n for n in s.get("scorers") or {} if n in names and n not in custom]
    builtin = [n for n in names if n not in custom and n not in scorers]
    groups = [("built-in metrics", builtin), ("processor metrics", custom), ("scorers", scorers)]
    return [(label, ns) for label, ns in groups if ns]


def _finite(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) \
        and math.isfinite(v) else None


def _scales(s: dict[str, Any]) -> dict[str, float]:
    """The full length of each metric's bar: 100 for bleu, 1 for metrics in [0, 1], else the
    largest value seen overall or in a segment."""
    out: dict[str, float] = {}
    blocks = [s.get("metrics") or {}] + [info.get("metrics") or {}
                                         for segs in (s.get("groups") or {}).values()
                                         for info in segs.values() if isinstance(info, dict)]
    for name in s.get("metrics") or {}:
        top = max([abs(v) for b in blocks for k in ("value", "ci_high")
                   if (v := _finite((b.get(name) or {}).get(k))) is not None] or [0.0])
        out[name] = 100.0 if name == "bleu" else (1.0 if top <= 1.0 else top)
    return out


def _digits(scale: float) -> int:
    return 2 if scale > 1.0 else 3


def _headline(s: dict[str, Any], groups: list[tuple[str, list[str]]],
              scales: dict[str, float]) -> str:
    n, nerr = s.get("n_examples"), s.get("n_errors")
    top = [card("examples", esc(n)), card("failed", esc(nerr))]
    if s.get("processor_errors"):
        top.append(card("processor errors", esc(s["processor_errors"])))
    h = [cards(top)]
    ms = s.get("metrics") or {}
    for label, names in groups:
        parts = []
        for name in names:
            m = ms.get(name) or {}
            d = _digits(scales[name])
            parts.append(card(name, fmt(m.get("value"), d),
                              ci_text(m.get("ci_low"), m.get("ci_high"), d),
                              title=f"{name}: 95% CI, n = {m.get('n')}"))
        h.append(cards(parts, label))
    if s.get("errors_by_kind"):
        h.append("<p class='err'>failures: " + ", ".join(
            f"{esc(k)} × {esc(v)}" for k, v in s["errors_by_kind"].items()) + "</p>")
    for w in s.get("warnings") or []:
        h.append(note(f"warning: {w}", "err"))
    return "".join(h)


def _metrics_table(s: dict[str, Any], groups: list[tuple[str, list[str]]],
                   scales: dict[str, float]) -> str:
    ms = s.get("metrics") or {}
    h = ["<h2 id='metrics'>Metrics</h2><table class='seg'><thead><tr><th>metric</th>"
         "<th>value</th><th>95% CI</th><th>stderr</th><th>n</th><th></th></tr></thead><tbody>"]
    for label, names in groups:
        if len(groups) > 1:
            h.append(f"<tr class='grp'><td colspan='6'>{esc(label)}</td></tr>")
        for name in names:
            m = ms.get(name) or {}
            d = _digits(scales[name])
            h.append(f"<tr><td>{esc(name)}</td><td class='num'>{fmt(m.get('value'), d)}</td>"
                     f"<td class='num'>{ci_text(m.get('ci_low'), m.get('ci_high'), d)}</td>"
                     f"<td class='num'>{fmt(m.get('stderr'), d)}</td><td>{esc(m.get('n'))}</td>"
                     f"<td>{bar(m.get('value'), m.get('ci_low'), m.get('ci_high'), scales[name])}"
                     "</td></tr>")
    h.append("</tbody></table>")
    h.append(_scorer_details(s))
    return "".join(h)


def _scorer_details(s: dict[str, Any]) -> str:
    """Each scorer's parameters and its extra numbers (per-class values, counts) from the
    flat results, e.g. ``class_f1.f1[Billing_Issue]``."""
    scorers = s.get("scorers") or {}
    flat = s.get("flat") or {}
    if not isinstance(scorers, dict) or not scorers:
        return ""
    h = ["<details><summary class='muted'>scorer settings and per-class numbers</summary>"
         "<div class='flex'>"]
    for label, info in scorers.items():
        spec = (info or {}).get("spec") or {}
        params = ", ".join(f"{k}={v}" for k, v in (spec.get("params") or {}).items()
                           if v is not None)
        rows = [(k[len(label) + 1:], v) for k, v in flat.items()
                if isinstance(k, str) and k.startswith(f"{label}.")]
        h.append(f"<div><h3>{esc(label)}</h3><p class='muted small'>{esc(spec.get('name'))}"
                 f"({esc(params)})</p>")
        if rows:
            h.append("<table><tbody>" + "".join(
                f"<tr><td>{esc(k)}</td><td class='num'>{fmt(v, 3)}</td></tr>" for k, v in rows)
                + "</tbody></table>")
        h.append("</div>")
    h.append("</div></details>")
    return "".join(h)


def _seg_cell(m: dict[str, Any] | None, scale: float, d: int) -> str:
    """Value and 95% CI on one line, over a data bar as long as the value."""
    if not m:
        return "<td class='v muted'>–</td>"
    v = _finite(m.get("value"))
    style = ""
    if v is not None and scale > 0:
        w = max(0.0, min(1.0, v / scale)) * 100
        style = f" style='background-size:{w:.1f}% 4px'"
    ci = ci_text(m.get("ci_low"), m.get("ci_high"), 2)
    return (f"<td class='v num'{style}><b>{fmt(m.get('value'), d)}</b> "
            f"<span class='ci'>{ci}</span></td>")


def _segment_section(s: dict[str, Any], groups: list[tuple[str, list[str]]],
                     scales: dict[str, float]) -> str:
    """Per group-by field: metrics as rows, the whole run and up to five segments as columns
    (more segments continue in another table below)."""
    fields = s.get("groups") or {}
    if not fields:
        return ""
    ms = s.get("metrics") or {}
    h = ["<h2 id='segments'>Segments</h2><p class='muted small'>value and [95% CI] per segment, "
         "with a bar under each value; the first column is the whole run</p>"]
    for field, segs in fields.items():
        names = list(segs)
        h.append(f"<h3>By {clip(field, 80)} <span class='muted small'>· {len(names)} segments"
                 "</span></h3>")
        for start in range(0, max(len(names), 1), _SEG_COLS):
            chunk = names[start:start + _SEG_COLS]
            h.append("<table class='seg'><thead><tr><th>metric</th>"
                     f"<th>all<span class='n'>n={esc(s.get('n_examples'))}</span></th>")
            for seg in chunk:
                info = segs[seg] or {}
                fails = f" · {info.get('n_errors')} failed" if info.get("n_errors") else ""
                h.append(f"<th title='{esc(seg)}'><div class='sh'>{clip(seg, 60)}</div>"
                         f"<span class='n'>n={esc(info.get('n'))}{esc(fails)}</span></th>")
            h.append("</tr></thead><tbody>")
            for label, group in groups:
                if len(groups) > 1:
                    h.append(f"<tr class='grp'><td colspan='{len(chunk) + 2}'>{esc(label)}"
                             "</td></tr>")
                for name in group:
                    d = _digits(scales[name])
                    h.append(f"<tr><td>{esc(name)}</td>{_seg_cell(ms.get(name), scales[name], d)}")
                    h.extend(_seg_cell(((segs[seg] or {}).get("metrics") or {}).get(name),
                                       scales[name], d) for seg in chunk)
                    h.append("</tr>")
            h.append("</tbody></table>")
    return "".join(h)


def _chips(metrics: dict[str, Any], names: list[str]) -> str:
    return " · ".join(f"{esc(k)} {fmt(metrics.get(k), 3)}" for k in names if k in metrics)


def _images_note(r: dict[str, Any]) -> str:
    """`` · [n images]`` for a row the model was shown images with (the payloads are never
    in the records: the page stays small)."""
    n = r.get("images")
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        return ""
    return f" · [{esc(n)} image{'s' if n != 1 else ''}]"


def _example(r: dict[str, Any], s: dict[str, Any], key_metrics: list[str]) -> str:
    err = r.get("error") if isinstance(r.get("error"), dict) else None
    metrics = r.get("metrics") if isinstance(r.get("metrics"), dict) else {}
    badge = f"<span class='badge o-error'>{esc(err.get('kind'))}</span>" if err else ""
    h = [f"<details class='item' data-id='{esc(r.get('id'))}' data-error='{int(bool(err))}'"
         f"{segment_attrs(s.get('groups'), r.get('metadata'))}><summary>"
         f"<span class='idx'>#{esc(r.get('index'))}</span>{badge}"
         f"<span class='txt'>{clip(r.get('query'))}</span>"
         f"<span class='chips'>{_chips(metrics, key_metrics)}</span></summary><div class='body'>"]
    if r.get("system"):
        h.append(f"<div class='lbl'>system</div>{long_text(r['system'])}")
    h.append(f"<div class='lbl'>query{_images_note(r)}</div>{long_text(r.get('query'))}"
             "<div class='two'>"
             f"<div><div class='lbl'>prediction</div>{long_text(r.get('prediction'))}</div>"
             f"<div><div class='lbl'>gold</div>{long_text(r.get('gold'))}</div></div>")
    if metrics:
        h.append("<div class='lbl'>metrics</div><div>" + "".join(
            f"<span class='chip'>{esc(k)} <b>{fmt(v, 3)}</b></span>" for k, v in metrics.items())
            + "</div>")
    if r.get("metadata_raw"):
        h.append(f"<div class='lbl'>metadata</div>{long_text(r['metadata_raw'], 600)}")
    if err:
        h.append(f"<p class='err'>{esc(err.get('stage'))} / {esc(err.get('kind'))}: "
                 f"{esc(err.get('message'))}</p>")
        if err.get("raw"):
            h.append(long_text(err.get("raw"), 600))
    h.append("</div></details>")
    return "".join(h)


def _examples(run_dir: Path, s: dict[str, Any], max_examples: int) -> str:
    names = list(s.get("metrics") or {})
    custom = [n for n in s.get("custom_metrics") or [] if n in names]
    key_metrics = (custom + [n for n in ("f1", "rougeL", "em") if n in names])[:3]
    items: list[str] = []
    size = total = 0
    records = iter_records(run_dir / "examples.jsonl")
    for r in records:
        total += 1
        if len(items) >= max_examples or size >= ITEM_BUDGET:
            break
        items.append(_example(r, s, key_metrics))
        size += len(items[-1])
    # the rest are counted, not rendered: the run's own count when it has one
    counted = s.get("n_examples")
    total = counted if isinstance(counted, int) and counted >= total \
        else total + sum(1 for _ in records)
    controls = filter_check("error", "1", "only failed") + segment_filters(s.get("groups"))
    h = [f"<h2 id='examples'>Examples ({total})</h2>"]
    if len(items) < total:
        h.append(note(f"the first {len(items)} of {total} examples are shown; all are in "
                      "examples.jsonl"))
    h.append(search_box("search examples (query, prediction, gold, metadata)…", len(items),
                        controls))
    h.append("<div id='examples-list'>" + "".join(items) + "</div>")
    return "".join(h)


def write_gen_qa_report(run_dir: str | Path, out: str | Path | None = None, *,
                        max_examples: int = MAX_EXAMPLES) -> Path:
    """Write the HTML report of the gen_qa run in ``run_dir`` (``run_dir/report.html`` unless
    ``out`` is given) and return its path."""
    run_dir = Path(run_dir)
    s, manifest = read_run(run_dir)
    out = Path(out) if out else run_dir / "report.html"
    groups = _metric_groups(s)
    scales = _scales(s)
    sub = (f"task {esc(s.get('task'))} · model <b>{esc(s.get('model'))}</b> · dataset "
           f"{esc(manifest.get('dataset'))} · seed {esc(s.get('seed'))}")
    calibration = calibration_section(s)
    toc = [("metrics", "Metrics")] + ([("segments", "Segments")] if s.get("groups") else []) \
        + ([("calibration", "Calibration")] if calibration else []) + [("examples", "Examples")]
    body = [_headline(s, groups, scales), _metrics_table(s, groups, scales),
            _segment_section(s, groups, scales), calibration,
            _examples(run_dir, s, max_examples),
            note(f"written by assay from {run_dir.name}/metrics.json and examples.jsonl",
                 "muted small")]
    out.write_text(page(run_title(run_dir), body, toc=toc, subtitle=sub), encoding="utf-8")
    return out


write_html_report = write_gen_qa_report
"""The former name of :func:`write_gen_qa_report`."""
