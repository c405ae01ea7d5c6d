"""A self-contained HTML report of one run: summary, metrics with intervals, segments, and an
example browser with search. Every piece of model or dataset text is HTML-escaped."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

__all__ = ["write_html_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.3rem .7rem;border-bottom:1px solid #eef;text-align:right}
td:first-child,th:first-child{text-align:left}.muted{color:#6b7280}.err{color:#b91c1c}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#f5f7fb;border-radius:8px;padding:.8rem 1.1rem}
.card b{display:block;font-size:1.4rem}details{border-bottom:1px solid #eef;padding:.4rem 0}
pre{white-space:pre-wrap;background:#f8f8fb;padding:.5rem;border-radius:6px;font-size:.85rem}
input{padding:.4rem;width:24rem;margin:.5rem 0}.scroll{overflow-x:auto;max-width:100%}
"""

_JS = """
const q=document.getElementById('q');
q.addEventListener('input',()=>{const t=q.value.toLowerCase();
document.querySelectorAll('#examples details').forEach(d=>{d.style.display=d.textContent.toLowerCase().includes(t)?'':'none';});});
"""


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _f(v: Any, d: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:.{d}f}"


def _bar(value: float | None, lo: float | None, hi: float | None, scale: float) -> str:
    """An inline SVG bar with its confidence interval as a whisker."""
    if value is None or not math.isfinite(value) or scale <= 0:
        return ""
    w = 160
    x = max(0.0, min(1.0, value / scale)) * w
    parts = [f'<svg width="{w}" height="14" role="img"><rect x="0" y="2" width="{x:.1f}" '
             f'height="10" fill="#6d8fd6"/>']
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        a = max(0.0, min(1.0, lo / scale)) * w
        b = max(0.0, min(1.0, hi / scale)) * w
        parts.append(f'<line x1="{a:.1f}" y1="7" x2="{b:.1f}" y2="7" stroke="#1d2430" '
                     f'stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)


def _scale(name: str) -> float:
    return 100.0 if name == "bleu" else 1.0


def write_html_report(run_dir: str | Path, out: str | Path | None = None, *,
                      max_examples: int = 2000) -> Path:
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    manifest = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    out = Path(out) if out else run_dir / "report.html"
    h: list[str] = [f"<!doctype html><html><head><meta charset='utf-8'><title>assay · "
                    f"{_e(manifest['recipe']['run']['name'])}</title><style>{_CSS}</style></head><body>"]
    h.append(f"<h1>{_e(manifest['recipe']['run']['name'])}</h1>")
    h.append(f"<p class='muted'>task {_e(summary['task'])} · model {_e(summary['model'])} · "
             f"dataset {_e(manifest.get('dataset'))}</p>")
    n, nerr = summary["n_examples"], summary["n_errors"]
    h.append("<div class='cards'>")
    h.append(f"<div class='card'>examples<b>{n}</b></div><div class='card'>failed<b>{nerr}</b></div>")
    for name in list(summary["metrics"])[:4]:
        m = summary["metrics"][name]
        h.append(f"<div class='card'>{_e(name)}<b>{_f(m['value'], 3)}</b>"
                 f"<span class='muted'>± {_f(m['stderr'], 3)}</span></div>")
    h.append("</div>")
    if summary.get("errors_by_kind"):
        h.append("<p class='err'>failures: " + ", ".join(
            f"{_e(k)} × {v}" for k, v in summary["errors_by_kind"].items()) + "</p>")
    h.append("<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>stderr</th>"
             "<th>95% CI</th><th>n</th><th></th></tr>")
    for name, m in summary["metrics"].items():
        h.append(f"<tr><td>{_e(name)}</td><td>{_f(m['value'])}</td><td>{_f(m['stderr'])}</td>"
                 f"<td>[{_f(m['ci_low'])}, {_f(m['ci_high'])}]</td><td>{m['n']}</td>"
                 f"<td>{_bar(m['value'], m['ci_low'], m['ci_high'], _scale(name))}</td></tr>")
    h.append("</table>")
    for field, segments in summary.get("groups", {}).items():
        h.append(f"<h2>By {_e(field)}</h2><div class='scroll'><table><tr><th>{_e(field)}</th>"
                 f"<th>n</th><th>failed</th>")
        names = list(summary["metrics"])
        h.extend(f"<th>{_e(nm)} (95% CI)</th>" for nm in names)
        h.append("</tr>")
        for seg, info in segments.items():
            cells = "".join(
                f"<td>{_f(info['metrics'][nm]['value'], 3)} "
                f"<span class='muted'>[{_f(info['metrics'][nm]['ci_low'], 2)}, "
                f"{_f(info['metrics'][nm]['ci_high'], 2)}]</span><br>"
                f"{_bar(info['metrics'][nm]['value'], info['metrics'][nm]['ci_low'], info['metrics'][nm]['ci_high'], _scale(nm))}</td>"
                for nm in names)
            h.append(f"<tr><td>{_e(seg)}</td><td>{info['n']}</td><td>{info['n_errors']}</td>{cells}</tr>")
        h.append("</table></div>")
    h.append("<h2>Examples</h2><input id='q' placeholder='search examples…' aria-label='search'>"
             "<div id='examples'>")
    with (run_dir / "examples.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= max_examples:
                h.append(f"<p class='muted'>first {max_examples} examples shown</p>")
                break
            r = json.loads(line)
            err = r.get("error")
            badge = f" <span class='err'>[{_e(err['kind'])}]</span>" if err else ""
            ms = " · ".join(f"{_e(k)} {_f(v, 3)}" for k, v in r["metrics"].items())
            h.append(f"<details><summary>#{r['index']}{badge} {_e(r['query'][:120])} "
                     f"<span class='muted'>{ms}</span></summary>")
            if r.get("system"):
                h.append(f"<p class='muted'>system</p><pre>{_e(r['system'])}</pre>")
            h.append(f"<p class='muted'>query</p><pre>{_e(r['query'])}</pre>"
                     f"<p class='muted'>prediction</p><pre>{_e(r['prediction'])}</pre>"
                     f"<p class='muted'>gold</p><pre>{_e(r['gold'])}</pre>")
            if r.get("metadata_raw"):
                h.append(f"<p class='muted'>metadata</p><pre>{_e(r['metadata_raw'])}</pre>")
            if err:
                h.append(f"<p class='err'>{_e(err['stage'])}/{_e(err['kind'])}: "
                         f"{_e(err['message'])}</p><pre>{_e(err.get('raw'))}</pre>")
            h.append("</details>")
    h.append(f"</div><script>{_JS}</script></body></html>")
    out.write_text("".join(h), encoding="utf-8")
    return out
