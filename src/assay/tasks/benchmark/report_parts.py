"""The pieces of the benchmark HTML report (see :mod:`assay.tasks.benchmark.report`): its extra
style and script, and one function per section, on the shared page shell of
:mod:`assay.reports.html_page`. Every piece of model or dataset text goes through :func:`esc`
(long texts through :func:`~assay.reports.html_page.long_text`); nothing is loaded from outside
the page."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...reports.html_page import CSS as _BASE_CSS
from ...reports.html_page import bar as _bar
from ...reports.html_page import (card, cards, esc, figure_img, filter_check, fmt, long_text, png_img,
                        search_box)

__all__ = ["CSS", "EXTRA_CSS", "JS", "esc", "fmt", "header_subtitle", "header_section",
           "overall_section", "subtask_section",
           "comparison_section", "verdict_class", "pred_index", "item_row", "item_browser"]

EXTRA_CSS = """
table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{background:#f1f3f7}
tfoot td{font-weight:600;border-top:2px solid #dde}#items td{vertical-align:top}
#items th,#items td{text-align:left}#items td:first-child{white-space:nowrap}
table.cmp td:nth-child(8),table.cmp td:last-child,table.cmp th:nth-child(8),
table.cmp th:last-child{text-align:left}
#items td.q{text-align:left;max-width:28rem;overflow-wrap:anywhere}
#items tr.det td{text-align:left;background:#fbfbfd}
button.tog{border:0;background:none;cursor:pointer;font-size:.9rem;padding:0 .3rem}
.choices td{text-align:left}.choices tr.gold td{background:#e7f6ea}
.choices tr.pred td{outline:2px solid #6d8fd6;outline-offset:-2px}
.side{display:flex;gap:1rem;flex-wrap:wrap}.side>div{flex:1;min-width:20rem}
"""
"""The benchmark tables' own style, added to the shared page style."""

CSS = _BASE_CSS + EXTRA_CSS
"""The whole style of a benchmark page."""

JS = """
function sortTable(th){const table=th.closest('table');const body=table.tBodies[0];
const idx=Array.from(th.parentNode.children).indexOf(th);const asc=th.dataset.dir!=='asc';
th.parentNode.querySelectorAll('th').forEach(h=>delete h.dataset.dir);th.dataset.dir=asc?'asc':'desc';
const key=r=>{const c=r.children[idx];const v=c?(c.dataset.v??c.textContent):'';const n=parseFloat(v);
return isNaN(n)?v.toLowerCase():n;};
Array.from(body.rows).sort((a,b)=>{const x=key(a),y=key(b);return (x<y?-1:x>y?1:0)*(asc?1:-1);})
.forEach(r=>body.appendChild(r));}
document.querySelectorAll('table.sortable th').forEach(th=>th.addEventListener('click',()=>sortTable(th)));
function toggle(b){const det=b.closest('tbody').querySelector('tr.det');det.hidden=!det.hidden;
b.textContent=det.hidden?'\\u25b8':'\\u25be';}
"""
"""The benchmark page's own script (sorting, item details); search and filters are the
shared script's (:data:`assay.reports.html_page.JS`)."""


def _dv(v: Any) -> str:
    """A sort key for a numeric cell (empty when missing)."""
    return repr(float(v)) if isinstance(v, (int, float)) and math.isfinite(v) else ""


def _metric_cell(m: dict[str, Any] | None, digits: int = 3) -> str:
    if not m:
        return "<td data-v=''>–</td>"
    v = m.get("value")
    return (f"<td data-v='{_dv(v)}'>{fmt(v, digits)} <span class='muted'>"
            f"[{fmt(m.get('ci_low'), 2)}, {fmt(m.get('ci_high'), 2)}]</span><br>"
            f"{_bar(v, m.get('ci_low'), m.get('ci_high'), 1.0)}</td>")


def header_subtitle(s: dict[str, Any], base: dict[str, Any] | None) -> str:
    """The run's settings, under the page title."""
    methods = ", ".join(f"{esc(k)} × {v}" for k, v in (s.get("methods") or {}).items()) or "–"
    return (f"benchmark {esc(s.get('benchmark'))} · task {esc(s.get('task'))} · "
            f"model <b>{esc(s.get('model'))}</b>"
            + (f" · base model <b>{esc(base.get('model'))}</b>" if base else "")
            + f"<br>strategy {esc(s.get('strategy'))} · shots {esc(s.get('num_fewshot'))}"
            f" · chain of thought {esc('on' if s.get('cot') else 'off')} · scoring {methods}")


def header_section(s: dict[str, Any], base: dict[str, Any] | None) -> str:
    """The headline counts and the system prompt(s)."""
    h = [card("items", esc(s.get("n_items"))), card("errors", esc(s.get("n_errors"))),
         card("no answer extracted", esc(s.get("n_unextracted")))]
    for name in list(s.get("metric_names") or [])[:3]:
        m = (s.get("overall") or {}).get(name) or {}
        h.append(card(str(name), fmt(m.get("value"), 3), f"± {fmt(m.get('stderr'), 3)}"))
    out = [cards(h)]
    sp = s.get("system_prompt")
    out.append("<p class='muted'>system prompt</p>" + (long_text(sp) if sp else
                                                       "<p class='muted'>(none)</p>"))
    if base and base.get("system_prompt") != sp:
        out.append("<p class='muted'>base system prompt</p>"
                   + long_text(base.get("system_prompt")))
    return "".join(out)


def overall_section(s: dict[str, Any]) -> str:
    """Overall metrics: value, stderr, 95% CI, n, and the macro average over subtasks."""
    macro = s.get("macro") or {}
    h = ["<h2 id='overall'>Overall</h2><table><tr><th>metric</th><th>value</th><th>stderr</th>"
         "<th>95% CI</th><th>n</th><th>macro avg</th><th></th></tr>"]
    for name, m in (s.get("overall") or {}).items():
        h.append(f"<tr><td>{esc(name)}</td><td>{fmt(m.get('value'))}</td>"
                 f"<td>{fmt(m.get('stderr'))}</td><td>[{fmt(m.get('ci_low'))}, "
                 f"{fmt(m.get('ci_high'))}]</td><td>{esc(m.get('n'))}</td>"
                 f"<td>{fmt(macro.get(name))}</td>"
                 f"<td>{_bar(m.get('value'), m.get('ci_low'), m.get('ci_high'), 1.0)}</td></tr>")
    h.append("</table>")
    return "".join(h)


def subtask_section(s: dict[str, Any]) -> str:
    """One row per subtask (sorted by name, sortable by any header), overall in the footer."""
    subs = s.get("subtasks") or {}
    if not subs:
        return ""
    names = list(s.get("metric_names") or (s.get("overall") or {}))
    h = [f"<h2 id='subtasks-h'>Subtasks ({len(subs)})</h2>"
         "<p class='muted'>click a header to sort</p>"
         "<div class='scroll'><table class='sortable' id='subtasks'><thead><tr><th>subtask</th>"
         "<th>n</th><th>errors</th>"]
    h.extend(f"<th>{esc(n)} (95% CI)</th>" for n in names)
    h.append("</tr></thead><tbody>")
    for sub in sorted(subs, key=lambda x: str(x)):
        info = subs[sub] or {}
        ms = info.get("metrics") or {}
        h.append(f"<tr><td>{esc(sub)}</td><td>{esc(info.get('n'))}</td>"
                 f"<td>{esc(info.get('n_errors'))}</td>"
                 + "".join(_metric_cell(ms.get(n)) for n in names) + "</tr>")
    ov = s.get("overall") or {}
    h.append(f"</tbody><tfoot><tr><td>overall</td><td>{esc(s.get('n_items'))}</td>"
             f"<td>{esc(s.get('n_errors'))}</td>"
             + "".join(_metric_cell(ov.get(n)) for n in names) + "</tr></tfoot></table></div>")
    return "".join(h)


def verdict_class(verdict: str) -> str:
    """``v-good`` / ``v-bad`` / ``v-none``: the colour of a verdict sentence."""
    v = verdict or ""
    if v.startswith("challenger is better"):
        return "v-good"
    if v.startswith("base is better"):
        return "v-bad"
    return "v-none"


def _p(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:.3g}"


def _cmp_row(label: str, c: dict[str, Any], footer: bool = False) -> str:
    d = c.get("difference")
    sign = "+" if isinstance(d, (int, float)) and math.isfinite(d) and d > 0 else ""
    disc = (f"{esc(c.get('base_only_correct'))} / {esc(c.get('challenger_only_correct'))}"
            if "base_only_correct" in c else "–")
    return (f"<tr><td>{esc(label)}</td><td>{esc(c.get('n'))}</td><td>{fmt(c.get('base'))}</td>"
            f"<td>{fmt(c.get('challenger'))}</td><td data-v='{_dv(d)}'>{sign}{fmt(d)}</td>"
            f"<td>[{fmt(c.get('ci_low'))}, {fmt(c.get('ci_high'))}]</td>"
            f"<td data-v='{_dv(c.get('p_value'))}'>{_p(c.get('p_value'))}</td>"
            f"<td>{esc(c.get('test'))}</td><td>{disc}</td>"
            f"<td class='{verdict_class(str(c.get('verdict')))}'>{esc(c.get('verdict'))}</td>"
            "</tr>")


def comparison_section(comp: dict[str, Any], png: Path | None) -> str:
    """The verdict, one comparison table per metric (subtasks then overall) and the figure,
    inline: ``png`` when it exists, else drawn from ``comp`` now."""
    verdict = str(comp.get("verdict"))
    h = ["<h2 id='comparison'>Base vs challenger</h2>",
         f"<div class='verdict {verdict_class(verdict)}' id='verdict'>{esc(verdict)}</div>",
         f"<p class='muted'>challenger <b>{esc(comp.get('challenger_model'))}</b> vs base "
         f"<b>{esc(comp.get('base_model'))}</b> on the same items · primary metric "
         f"{esc(comp.get('primary_metric'))} · seed {esc(comp.get('seed'))}</p>"]
    heads = ("subtask", "n", "base", "challenger", "difference", "95% CI", "p-value", "test",
             "discordant (base only / challenger only correct)", "verdict")
    for metric, block in (comp.get("metrics") or {}).items():
        h.append(f"<h3>{esc(metric)}</h3><p class='muted'>{esc(block.get('n_paired'))} paired "
                 f"items, {esc(block.get('n_unpaired'))} unpaired</p><div class='scroll'>"
                 "<table class='sortable cmp'><thead><tr>"
                 + "".join(f"<th>{esc(x)}</th>" for x in heads) + "</tr></thead><tbody>")
        subs = block.get("subtasks") or {}
        h.extend(_cmp_row(sub, subs[sub]) for sub in sorted(subs, key=str))
        h.append("</tbody><tfoot>" + _cmp_row("overall", block.get("overall") or {})
                 + "</tfoot></table></div>")
    alt = "base vs challenger per subtask"
    if png is not None and png.is_file():
        h.append(f"<p>{png_img(png.read_bytes(), alt)}</p>")
    elif comp.get("primary_metric") is not None:
        from .figure import write_comparison_figure

        h.append(f"<p>{figure_img(lambda p: write_comparison_figure(comp, p), alt)}</p>")
    return "".join(h)


def _letter(i: int) -> str:
    return chr(65 + i) if 0 <= i < 26 else str(i)


def pred_index(r: dict[str, Any]) -> int | None:
    """The chosen option: ``pred_index``, else a single extracted letter A–Z within range."""
    if isinstance(r.get("pred_index"), int):
        return r["pred_index"]
    x, choices = r.get("extracted"), r.get("choices") or []
    if isinstance(x, str) and len(x.strip()) == 1 and x.strip().isalpha():
        i = ord(x.strip().upper()) - 65
        if 0 <= i < len(choices):
            return i
    return None


def _mark(r: dict[str, Any] | None) -> str:
    if r is None:
        return "<td class='muted'>–</td>"
    if r.get("error"):
        return "<td class='err'>error</td>"
    return "<td class='ok'>✓</td>" if r.get("correct") else "<td class='no'>✗</td>"


def _choices(r: dict[str, Any]) -> str:
    choices = r.get("choices") or []
    if not choices:
        return ""
    lls = r.get("loglikelihoods") or []
    probs = r.get("choice_probs") or []
    golds = set(r.get("gold_indices") or ([r["gold_index"]] if isinstance(
        r.get("gold_index"), int) else []))
    pi, pn = pred_index(r), r.get("pred_index_norm")
    h = ["<table class='choices'><tr><th></th><th>choice</th>"
         + ("<th>log-likelihood</th>" if lls else "")
         + ("<th>probability</th>" if probs else "") + "<th></th></tr>"]
    for i, ch in enumerate(choices):
        cls = " ".join(c for c, on in (("gold", i in golds), ("pred", i == pi)) if on)
        tags = [t for t, on in (("gold", i in golds), ("predicted", i == pi),
                                ("predicted (norm)", i == pn and pn != pi)) if on]
        ll = "" if not lls else \
            f"<td>{fmt(lls[i], 3) if i < len(lls) and lls[i] is not None else ''}</td>"
        pr = "" if not probs else \
            f"<td>{fmt(probs[i], 3) if i < len(probs) and probs[i] is not None else ''}</td>"
        h.append(f"<tr class='{cls}'><td>{_letter(i)}</td><td>{esc(ch)}</td>{ll}{pr}"
                 f"<td>{esc(', '.join(tags))}</td></tr>")
    h.append("</table>")
    return "".join(h)


def _side(label: str, r: dict[str, Any]) -> str:
    err = r.get("error")
    h = [f"<div><p><b>{esc(label)}</b> · {esc(r.get('method'))} · extracted "
         f"<b>{esc(r.get('extracted'))}</b> · "
         + ("correct" if r.get("correct") else "incorrect")
         + (f" · confidence {fmt(r.get('confidence'), 3)}" if r.get("confidence") is not None
            else "") + "</p>"]
    if r.get("system"):
        h.append(f"<p class='muted'>system</p>{long_text(r['system'])}")
    h.append(_choices(r))
    if r.get("prediction") is not None:
        h.append(f"<p class='muted'>generated text</p>{long_text(r.get('prediction'))}")
    if err:
        h.append(f"<p class='err'>{esc(err.get('stage'))}/{esc(err.get('kind'))}: "
                 f"{esc(err.get('message'))}</p>{long_text(err.get('raw'), 600)}")
    return "".join(h) + "</div>"


def _disagree(r: dict[str, Any], b: dict[str, Any] | None) -> bool:
    if b is None:
        return False
    return (bool(r.get("correct")) != bool(b.get("correct"))
            or str(r.get("extracted")) != str(b.get("extracted"))
            or bool(r.get("error")) != bool(b.get("error")))


def item_row(r: dict[str, Any], b: dict[str, Any] | None, has_base: bool) -> str:
    """One item: a summary row and a hidden details row, in their own ``<tbody>``."""
    err = r.get("error")
    q = str(r.get("question") or "")
    short = q if len(q) <= 140 else q[:139] + "…"
    ncols = 9 if has_base else 7
    h = [f"<tbody class='item' data-correct='{int(bool(r.get('correct')))}' "
         f"data-error='{int(bool(err))}' data-disagree='{int(_disagree(r, b))}' "
         f"data-id='{esc(r.get('id'))}'><tr>"
         "<td><button class='tog' onclick='toggle(this)' aria-label='details'>▸</button>"
         f"{esc(r.get('id'))}</td><td>{esc(r.get('subtask'))}</td><td class='q'>{esc(short)}</td>"
         f"<td>{esc(r.get('gold'))}</td><td>{esc(r.get('extracted'))}</td>{_mark(r)}"]
    if has_base:
        h.append(f"<td>{esc(b.get('extracted')) if b else '–'}</td>{_mark(b)}")
    h.append(f"<td class='err'>{esc(err.get('kind')) if err else ''}</td></tr>")
    h.append(f"<tr class='det' hidden><td colspan='{ncols}'><p class='muted'>prompt</p>"
             f"{long_text(r.get('prompt'))}<p class='muted'>gold {esc(r.get('gold'))}</p>"
             f"<div class='side'>{_side('challenger' if has_base else 'model', r)}")
    if b is not None:
        h.append(_side("base", b))
    h.append("</div></td></tr></tbody>")
    return "".join(h)


def item_browser(records: list[dict[str, Any]], base: dict[str, dict[str, Any]] | None,
                 total: int, cap: int) -> str:
    """The searchable item table; with a base run, its answers beside the challenger's."""
    has_base = base is not None
    heads = ["id", "subtask", "question", "gold", "extracted", "correct"]
    if has_base:
        heads += ["base extracted", "base correct"]
    heads.append("error")
    h = [f"<h2 id='items-h'>Items ({total})</h2>"]
    if total > len(records):
        h.append(f"<p class='muted'>the first {len(records)} of {total} items are shown; the rest "
                 "are in examples.jsonl</p>")
    controls = (filter_check("disagree", "1", "only items where the models disagree", "f-dis")
                if has_base else "")
    controls += (filter_check("correct", "0", "only incorrect", "f-wrong")
                 + filter_check("error", "1", "only errors", "f-err"))
    h.append(search_box("search items (id, question, prompt, answers)…", len(records), controls,
                        expand=False))
    h.append("<div class='scroll'><table id='items'><thead><tr>"
             + "".join(f"<th>{esc(x)}</th>" for x in heads) + "</tr></thead>")
    h.extend(item_row(r, base.get(str(r.get("id"))) if has_base else None, has_base)
             for r in records)
    h.append("</table></div>")
    return "".join(h)
