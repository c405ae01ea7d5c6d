"""The Calibration section of the benchmark HTML report: confidence (the predicted choice's
softmax probability over the choices' log-likelihoods) against correctness, from the
``calibration`` block of metrics.json: headline cards, the reliability diagram (inline PNG,
:func:`assay.reports.reliability_figure.write_reliability_figure`), a per-subtask table, and the
lowest-confidence items and overconfident errors. Every piece of model or dataset text goes
through :func:`~assay.reports.html_page.esc`."""

from __future__ import annotations

import math
from typing import Any

from ...reports.calibration_html import calibration_cards, reliability_img
from ...reports.calibration_html import stat_ci as _ci
from ...reports.calibration_html import stat_value as _v
from ...reports.html_page import clip, esc, fmt, note

__all__ = ["calibration_section"]


def _dv(v: Any) -> str:
    return repr(float(v)) if isinstance(v, (int, float)) and math.isfinite(v) else ""


def _sub_table(subs: dict[str, Any]) -> str:
    rows = [(s, b) for s, b in sorted(subs.items(), key=lambda x: str(x[0]))
            if isinstance(b, dict)]
    if len(rows) < 2 and not (rows and rows[0][0]):
        return ""
    heads = ("subtask", "n", "accuracy", "mean confidence", "ECE", "equal-mass ECE", "Brier",
             "AUROC")
    h = ["<h3>Per subtask</h3><div class='scroll'><table class='sortable' id='cal-subtasks'>"
         "<thead><tr>" + "".join(f"<th>{esc(x)}</th>" for x in heads) + "</tr></thead><tbody>"]
    for sub, b in rows:
        if "skipped" in b:
            h.append(f"<tr><td>{esc(sub)}</td><td colspan='7' class='muted'>"
                     f"{esc(b['skipped'])}</td></tr>")
            continue
        cells = [b.get("accuracy"), b.get("mean_confidence")]
        stats = [b.get(k) for k in ("ece", "ece_equal_mass", "brier", "auroc")]
        h.append(f"<tr><td>{esc(sub)}</td><td>{esc(b.get('n'))}</td>"
                 + "".join(f"<td data-v='{_dv(v)}'>{fmt(v, 3)}</td>" for v in cells)
                 + "".join(f"<td data-v='{_dv(_v(s))}'>{fmt(_v(s), 3)} <span class='muted'>"
                           f"{_ci(s)}</span></td>" for s in stats) + "</tr>")
    h.append("</tbody></table></div>")
    return "".join(h)


def _item_table(title: str, rows: Any, empty: str) -> str:
    rows = rows if isinstance(rows, list) else []
    h = [f"<h3>{esc(title)}</h3>"]
    if not rows:
        return h[0] + note(empty)
    h.append("<div class='scroll'><table><thead><tr><th>id</th><th>subtask</th>"
             "<th>confidence</th><th>predicted</th><th>gold</th><th>correct</th></tr></thead>"
             "<tbody>")
    for r in rows:
        if not isinstance(r, dict):
            continue
        ok = r.get("correct")
        h.append(f"<tr><td>{esc(r.get('id'))}</td><td>{esc(r.get('subtask'))}</td>"
                 f"<td>{fmt(r.get('confidence'), 3)}</td><td>{clip(r.get('predicted'), 120)}</td>"
                 f"<td>{clip(r.get('gold'), 120)}</td>"
                 + ("<td class='ok'>✓</td>" if ok else "<td class='no'>✗</td>") + "</tr>")
    h.append("</tbody></table></div>")
    return "".join(h)


def calibration_section(s: dict[str, Any]) -> str:
    """The section (empty when metrics.json has no ``calibration`` block, as in older runs)."""
    cal = s.get("calibration")
    if not isinstance(cal, dict):
        return ""
    h = ["<h2 id='calibration'>Calibration</h2>"]
    if "skipped" in cal:
        return h[0] + note(f"not computed: {cal['skipped']}")
    ov = cal.get("overall") or {}
    h.append(note(f"{cal.get('source', '')}; correct = the predicted choice is a gold choice"
                  f" · {ov.get('n')} items · {ov.get('n_boot')} bootstrap resamples, seed "
                  f"{ov.get('seed')}"))
    h.append(calibration_cards(ov, cal.get("n_overconfident_errors"),
                               cal.get("overconfident_threshold")))
    title = f"{s.get('model')} on {s.get('benchmark')}: choice-probability calibration"
    h.append(reliability_img(ov, title))
    h.append(_sub_table(cal.get("subtasks") or {}))
    low, over = cal.get("lowest_confidence") or [], cal.get("overconfident_errors") or []
    h.append(_item_table(f"Lowest confidence ({len(low)})", low, "no items"))
    h.append(_item_table(f"Overconfident errors (showing {len(over)} of "
                         f"{cal.get('n_overconfident_errors')})", over,
                         "no wrong answer had that much confidence"))
    return "".join(h)
