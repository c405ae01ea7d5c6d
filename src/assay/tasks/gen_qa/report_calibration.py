"""The Calibration section of the gen_qa HTML report, from the ``calibration`` block of
metrics.json (:mod:`assay.analysis.calibration`): which metric and confidence were used,
headline cards, the reliability diagram (inline PNG,
:func:`assay.reports.reliability_figure.write_reliability_figure`), the metric table, one table
per group-by field with a row per segment, and the lowest-confidence examples and
overconfident errors. Model text goes through :func:`~assay.reports.html_page.clip` (escaped);
every other string through :func:`~assay.reports.html_page.esc`."""

from __future__ import annotations

from typing import Any

from ...reports.calibration_html import STATS as _STATS
from ...reports.calibration_html import calibration_cards, reliability_img
from ...reports.calibration_html import stat_ci as _ci
from ...reports.calibration_html import stat_value as _v
from ...reports.html_page import clip, esc, fmt, note

__all__ = ["calibration_section"]

_CONFIDENCE = {"auto": "the label probability where defined, else the first answer token's "
                       "probability",
               "label": "the label probability (renormalised over the allowed labels)",
               "first_token": "the first answer token's probability",
               "mean_token": "exp(mean token logprob)"}


def _metric_table(ov: dict[str, Any]) -> str:
    h = ["<table class='seg' id='cal-metrics'><thead><tr><th>statistic</th><th>value</th>"
         "<th>95% CI</th></tr></thead><tbody>"]
    for key, label in _STATS:
        h.append(f"<tr><td>{esc(label)}</td><td class='num'>{fmt(_v(ov.get(key)), 4)}</td>"
                 f"<td class='num'>{_ci(ov.get(key))}</td></tr>")
    for key, label in (("accuracy", "accuracy"), ("mean_confidence", "mean confidence"),
                       ("overconfidence", "mean confidence − accuracy")):
        h.append(f"<tr><td>{esc(label)}</td><td class='num'>{fmt(ov.get(key), 4)}</td>"
                 "<td></td></tr>")
    h.append(f"<tr><td>n (dropped)</td><td class='num'>{esc(ov.get('n'))}</td>"
             f"<td class='num'>{esc(ov.get('n_dropped'))}</td></tr></tbody></table>")
    return "".join(h)


def _segment_tables(groups: Any) -> str:
    if not isinstance(groups, dict) or not groups:
        return ""
    heads = ("n", "accuracy", "mean confidence", "ECE", "ECE (equal mass)", "Brier", "AUROC")
    h = ["<h3>By segment</h3>"]
    for field, segs in groups.items():
        if not isinstance(segs, dict):
            continue
        h.append(f"<table class='seg cal-seg'><thead><tr><th>{esc(field)}</th>"
                 + "".join(f"<th>{esc(x)}</th>" for x in heads) + "</tr></thead><tbody>")
        for seg, b in segs.items():
            b = b if isinstance(b, dict) else {}
            h.append(f"<tr><td>{esc(seg)}</td><td class='num'>{esc(b.get('n'))}</td>"
                     f"<td class='num'>{fmt(b.get('accuracy'), 3)}</td>"
                     f"<td class='num'>{fmt(b.get('mean_confidence'), 3)}</td>"
                     + "".join(f"<td class='num'>{fmt(_v(b.get(k)), 3)} "
                               f"<span class='ci'>{_ci(b.get(k))}</span></td>"
                               for k, _label in _STATS) + "</tr>")
        h.append("</tbody></table>")
    return "".join(h)


def _examples(title: str, rows: Any, empty: str) -> str:
    rows = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    h = [f"<h3>{esc(title)}</h3>"]
    if not rows:
        return h[0] + note(empty)
    h.append("<table class='seg cal-examples'><thead><tr><th>#</th><th>id</th>"
             "<th>confidence</th><th>correct</th><th>prediction</th></tr></thead><tbody>")
    for r in rows:
        ok = r.get("correct")
        mark = "–" if ok is None else ("✓" if ok else "✗")
        h.append(f"<tr><td>{esc(r.get('index'))}</td><td>{esc(r.get('id'))}</td>"
                 f"<td class='num'>{fmt(r.get('confidence'), 3)}</td><td>{mark}</td>"
                 f"<td>{clip(r.get('prediction'), 120)}</td></tr>")
    h.append("</tbody></table>")
    return "".join(h)


def calibration_section(s: dict[str, Any]) -> str:
    """The section; empty when metrics.json has no ``calibration`` block (older runs)."""
    cal = s.get("calibration")
    if not isinstance(cal, dict):
        return ""
    h = ["<h2 id='calibration'>Calibration</h2>"]
    if cal.get("skipped"):
        return h[0] + note(f"not computed: {cal['skipped']}")
    ov = cal.get("overall") or {}
    how = "" if cal.get("metric_source") == "recipe" else " (the first per-example 0/1 metric)"
    conf = _CONFIDENCE.get(str(cal.get("confidence")), str(cal.get("confidence")))
    sources = cal.get("confidence_sources")
    if isinstance(sources, dict) and sources:
        conf += " (" + ", ".join(f"{k}: {v}" for k, v in sources.items()) + ")"
    h.append(note(f"correct = {cal.get('metric')}{how}; confidence = {conf} · "
                  f"{ov.get('n')} examples · {ov.get('n_bins')} bins · {ov.get('n_boot')} "
                  f"bootstrap resamples, seed {ov.get('seed')}"))
    h.append(calibration_cards(ov, cal.get("n_overconfident_errors"),
                               cal.get("overconfident_threshold")))
    title = f"{s.get('model')}: {cal.get('metric')} against {cal.get('confidence')} confidence"
    h.append(reliability_img(ov, title))
    h.append(_metric_table(ov))
    h.append(_segment_tables(cal.get("groups")))
    low = cal.get("lowest_confidence") or []
    over = cal.get("overconfident_errors") or []
    h.append(_examples(f"Lowest confidence ({len(low)})", low, "no examples"))
    h.append(_examples(f"Overconfident errors (showing {len(over)} of "
                       f"{cal.get('n_overconfident_errors')})", over,
                       "no wrong answer had that much confidence"))
    return "".join(h)
