"""The page of ``assay compare`` (``comparison.html``): the overall verdict, a table of every
metric (both values, B − A with its 95% CI, the primary and secondary tests, pairs left out),
the figure, per-subtask tables for benchmarks, and the examples that changed most, with the
model's text of both runs.

Self-contained (the figure is inline base64 PNG; no script, nothing loaded from outside) and
every piece of model, dataset or run text is HTML-escaped."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

__all__ = ["write_compare_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.3rem .7rem;border-bottom:1px solid #eef;text-align:right}
td:first-child,th:first-child{text-align:left}.muted{color:#6b7280}
.verdict{font-size:1.2rem;font-weight:600;padding:.8rem 1.1rem;border-radius:8px;margin:1rem 0}
.v-good{background:#e7f6ea;color:#166534}.v-bad{background:#fdecec;color:#991b1b}
.v-none{background:#f1f3f7;color:#374151}.good{color:#15803d}.bad{color:#b91c1c}
pre{white-space:pre-wrap;background:#f8f8fb;padding:.5rem;border-radius:6px;font-size:.85rem;margin:.2rem 0}
.side{display:flex;gap:1rem;flex-wrap:wrap}.side>div{flex:1;min-width:18rem}
details{border-bottom:1px solid #eef;padding:.4rem 0}img.fig{max-width:100%;border:1px solid #eef}
.scroll{overflow-x:auto;max-width:100%}
"""

_TESTS = {"mcnemar_exact": "McNemar exact", "mcnemar_chi2": "McNemar χ²", "paired_t": "paired t",
          "wilcoxon": "Wilcoxon signed-rank", "sign_test": "sign test"}


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _f(v: Any, d: int = 4, signed: bool = False) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "–"
    return f"{v:+.{d}f}" if signed else f"{v:.{d}f}"


def _p(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "–"
    return f"{v:.3g}"


def _vclass(verdict: Any) -> str:
    return {"B is better": "good", "B is worse": "bad"}.get(str(verdict), "")


def _run_line(label: str, run: dict[str, Any]) -> str:
    judge = f" · judge {_e(run.get('judge'))}" if run.get("judge") else ""
    return (f"<tr><td><b>{label}</b></td><td>{_e(run.get('name'))}</td>"
            f"<td>{_e(run.get('model'))}{judge}</td><td>{_e(run.get('n_examples'))}</td>"
            f"<td>{_e(run.get('n_failed'))}</td><td class=muted>{_e(run.get('run'))}</td></tr>")


def _header(doc: dict[str, Any]) -> str:
    items = doc.get("items") or {}
    v = doc.get("verdict") or {}
    cls = {"good": "v-good", "bad": "v-bad"}.get(_vclass(v.get("verdict")), "v-none")
    dropped = ""
    if items.get("common_only") and items.get("dropped"):
        dropped = (f" · <b>{_e(items['dropped'])}</b> examples not in both runs left out "
                   f"({_e(items.get('only_a'))} only in A, {_e(items.get('only_b'))} only in B)")
    s = doc.get("settings") or {}
    return (f"<h1>assay compare · {_e(doc.get('task'))}</h1>"
            f"<div class='verdict {cls}'>{_e(v.get('text'))}</div>"
            "<table><tr><th>run</th><th>name</th><th>model</th><th>examples</th><th>failed</th>"
            "<th>folder</th></tr>"
            + _run_line("A (baseline)", doc.get("a") or {})
            + _run_line("B (challenger)", doc.get("b") or {}) + "</table>"
            f"<p class=muted>{_e(items.get('common'))} examples matched by {_e(doc.get('match'))}"
            f"{dropped}. {_e(s.get('rule'))} (alpha {_e(s.get('alpha'))}, "
            f"{_e(s.get('bootstrap_resamples'))} bootstrap resamples, "
            f"seed {_e(s.get('seed'))}).</p>")


def _secondary(m: dict[str, Any]) -> str:
    parts = []
    for name, t in (m.get("tests") or {}).items():
        if name == m.get("test"):
            continue
        parts.append(f"{_e(_TESTS.get(name, name))} p {_p(t.get('p_value'))}")
    return "; ".join(parts)


def _excluded(m: dict[str, Any]) -> str:
    x = m.get("excluded") or {}
    if not x.get("total"):
        return "0"
    return (f"{_e(x.get('total'))} <span class=muted>(failed A {_e(x.get('failed_a'))}, "
            f"B {_e(x.get('failed_b'))}; no value {_e(x.get('no_value'))})</span>")


def _metric_rows(metrics: dict[str, Any], primary: Any) -> str:
    rows = []
    for name, m in metrics.items():
        star = " ★" if name == primary else ""
        lower = " <span class=muted>(lower is better)</span>" if not m.get(
            "higher_is_better", True) else ""
        rows.append(
            f"<tr><td>{_e(name)}{star}{lower}</td><td>{_e(m.get('type'))}</td>"
            f"<td>{_f(m.get('a'))}</td><td>{_f(m.get('b'))}</td>"
            f"<td class='{_vclass(m.get('verdict'))}'>{_f(m.get('difference'), signed=True)}</td>"
            f"<td>[{_f(m.get('ci_low'), signed=True)}, {_f(m.get('ci_high'), signed=True)}]</td>"
            f"<td>{_e(_TESTS.get(m.get('test'), m.get('test')))}</td>"
            f"<td>{_p(m.get('p_value'))}</td>"
            f"<td>{_secondary(m)}</td><td>{_e(m.get('n_pairs'))}</td><td>{_excluded(m)}</td>"
            f"<td class='{_vclass(m.get('verdict'))}'>{_e(m.get('verdict'))}</td></tr>")
    head = ("<tr><th>metric</th><th>type</th><th>A</th><th>B</th><th>B − A</th><th>95% CI</th>"
            "<th>test</th><th>p</th><th>other tests</th><th>pairs</th><th>left out</th>"
            "<th>verdict</th></tr>")
    return f"<div class=scroll><table>{head}{''.join(rows)}</table></div>"


def _subtasks(metrics: dict[str, Any]) -> str:
    out = []
    for name, m in metrics.items():
        subs = m.get("subtasks")
        if not subs:
            continue
        out.append(f"<h2>{_e(name)} by subtask</h2>")
        out.append(_metric_rows(subs, None))
    return "".join(out)


def _figure(png: Path | None) -> str:
    if png is None or not Path(png).is_file():
        return ""
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    return ("<h2>Differences</h2><img class=fig alt='B − A per metric with 95% CI' "
            f"src='data:image/png;base64,{data}'>")


def _texts(t: dict[str, Any], labels: dict[str, Any]) -> str:
    parts = []
    for key in ("output", "judge", "error"):
        if t.get(key) is not None:
            parts.append(f"<div class=muted>{_e(labels.get(key, key))}</div>"
                         f"<pre>{_e(t[key])}</pre>")
    return "".join(parts)


def _example(r: dict[str, Any], labels: dict[str, Any]) -> str:
    ta, tb = r.get("texts_a") or {}, r.get("texts_b") or {}
    shared = ""
    for key in ("input", "reference"):
        if ta.get(key) is not None:
            shared += f"<div class=muted>{_e(labels.get(key, key))}</div><pre>{_e(ta[key])}</pre>"
        if tb.get(key) is not None and tb.get(key) != ta.get(key):
            shared += (f"<div class=muted>{_e(labels.get(key, key))} (run B)</div>"
                       f"<pre>{_e(tb[key])}</pre>")
    return (f"<details><summary>{_e(r.get('key'))} · A {_f(r.get('a'))} → B {_f(r.get('b'))}"
            f"</summary>{shared}<div class=side><div><b>A</b>{_texts(ta, labels)}</div>"
            f"<div><b>B</b>{_texts(tb, labels)}</div></div></details>")


def _examples(doc: dict[str, Any]) -> str:
    ex = doc.get("examples") or {}
    labels = ex.get("labels") or {}
    out = []
    for key, title in (("b_worse", "where B is worse"), ("b_better", "where B is better")):
        rows = ex.get(key) or []
        out.append(f"<h2>Examples {title} on {_e(ex.get('metric'))} ({len(rows)} shown)</h2>")
        out.append("".join(_example(r, labels) for r in rows) or "<p class=muted>none</p>")
    return "".join(out)


def write_compare_html(comparison: dict[str, Any], out_path: str | Path,
                       png: str | Path | None = None) -> Path:
    """Write the page of ``comparison`` (comparison.json) to ``out_path``, with the figure
    ``png`` inline when given."""
    out = Path(out_path)
    skipped = comparison.get("metrics_skipped") or {}
    note = ""
    if skipped.get("only_in_a") or skipped.get("only_in_b"):
        note = (f"<p class=muted>Not compared (in one run only): "
                f"{_e(', '.join(skipped.get('only_in_a', []) + skipped.get('only_in_b', [])))}</p>")
    body = (_header(comparison) + "<h2>Metrics</h2>"
            + _metric_rows(comparison.get("metrics") or {}, comparison.get("primary_metric"))
            + note + _figure(Path(png) if png else None)
            + _subtasks(comparison.get("metrics") or {}) + _examples(comparison))
    page = ("<!DOCTYPE html><html lang=en><head><meta charset='utf-8'>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>assay compare · {_e(comparison.get('task'))}</title><style>{_CSS}</style>"
            f"</head><body>{body}</body></html>\n")
    out.write_text(page, encoding="utf-8")
    return out
