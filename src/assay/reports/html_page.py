"""The page shell shared by every HTML report (gen_qa, judge, rubric, benchmark): style, the one
inline script (search and filters, driven by the search box, the filter controls and
``location.hash``), the header, cards, tables, truncation of long texts and inline figures.

A report page is one self-contained file: figures are ``data:`` URIs, the script and style are
inline, no font or script is fetched. Every piece of model or dataset text goes through
:func:`esc` (or :func:`long_text` / :func:`clip`, which escape).

The example browser contract (one for all reports): each example is an element with class
``item``; a filter control carries ``data-flt="KEY"`` and a ``value``, and an item passes it
when its ``data-KEY`` attribute equals that value (a checkbox filters only while checked, a
select only when a value is chosen). The search box ``#q`` keeps items whose text contains the
term. ``#q=term&KEY=value`` in the address applies the same on load, and the page keeps the
address in step, so a filtered view can be shared."""

from __future__ import annotations

import base64
import html
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["CSS", "JS", "TEXT_LIMIT", "ITEM_BUDGET", "esc", "fmt", "pct", "bar", "card",
           "cards", "long_text", "clip", "png_img", "figure_img", "page", "read_json", "read_run",
           "iter_records", "search_box", "filter_select", "filter_check", "ci_text",
           "run_title", "note", "segment_filters", "segment_attrs"]

TEXT_LIMIT = 2000
"""Characters of one text shown in a page; the full text stays in examples.jsonl."""

ITEM_BUDGET = 8_000_000
"""Characters of example markup in one page at most; later examples are left out (and said)."""

CSS = """
:root{--fg:#1d2430;--mut:#6b7280;--line:#e3e6ee;--soft:#f5f7fb;--a:#4C72B0;--b:#DD8452;
--tie:#8C8C8C;--err:#b91c1c;--ok:#15803d}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;
padding:1.6rem 2rem 3rem;color:var(--fg);max-width:1240px;line-height:1.4;font-size:15px}
h1{font-size:1.55rem;margin:0 0 .2rem}
h2{font-size:1.15rem;margin:2.2rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0}
td,th{padding:.28rem .6rem;border-bottom:1px solid #eef0f5;text-align:right;vertical-align:top}
th{font-weight:600;background:#fafbfd}
td:first-child,th:first-child{text-align:left}
.muted{color:var(--mut)}.err{color:var(--err)}.ok{color:var(--ok)}.no{color:var(--err)}
.small{font-size:.82rem}
nav.toc{margin:.6rem 0 0;font-size:.88rem}nav.toc a{margin-right:1rem;color:#2f5aa8;text-decoration:none}
nav.toc a:hover{text-decoration:underline}
.cards{display:flex;gap:.7rem;flex-wrap:wrap;margin:.5rem 0}
.card{background:var(--soft);border-radius:8px;padding:.55rem .9rem;min-width:7.5rem}
.card .k{font-size:.8rem;color:var(--mut);overflow-wrap:anywhere}
.card b{display:block;font-size:1.3rem;font-variant-numeric:tabular-nums}
.card .ci{font-size:.78rem;color:var(--mut)}
.cardgroup{margin:.7rem 0 .2rem;font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;
color:var(--mut)}
.num{font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f8f8fb;padding:.5rem .6rem;
border-radius:6px;font-size:.84rem;margin:.2rem 0 .5rem;max-height:28rem;overflow-y:auto}
.trunc{font-size:.78rem;color:#92400e;margin:-.3rem 0 .5rem}
.lbl{font-size:.78rem;color:var(--mut);margin:.5rem 0 .1rem;text-transform:uppercase;
letter-spacing:.03em}
.toolbar{display:flex;gap:.8rem;align-items:center;flex-wrap:wrap;margin:.4rem 0 .8rem;
position:sticky;top:0;background:#fff;padding:.4rem 0;z-index:2;border-bottom:1px solid var(--line)}
.toolbar input[type=search]{padding:.4rem .6rem;width:19rem;max-width:100%;border:1px solid #cdd3df;
border-radius:6px;font-size:.95rem}
.toolbar select{padding:.3rem;border:1px solid #cdd3df;border-radius:6px}
.toolbar label{font-size:.88rem;white-space:nowrap}
details.item{border-bottom:1px solid var(--line);padding:.35rem 0}
details.item>summary{cursor:pointer;display:flex;gap:.6rem;align-items:baseline;list-style:none}
details.item>summary::-webkit-details-marker{display:none}
details.item>summary::before{content:"\\25b8";color:var(--mut);flex:none}
details.item[open]>summary::before{content:"\\25be"}
summary .idx{color:var(--mut);flex:none;font-variant-numeric:tabular-nums;min-width:2.6rem}
summary .txt{flex:1;min-width:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
summary .chips{flex:none;max-width:45%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;
font-size:.8rem;color:var(--mut)}
.body{padding:.3rem 0 .6rem 1.4rem}
.two{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.two>div{min-width:0}
@media (max-width:800px){.two{grid-template-columns:1fr}}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;font-weight:600;
color:#fff;flex:none}
.o-A{background:var(--a)}.o-B{background:var(--b)}.o-tie{background:var(--tie)}.o-error{background:var(--err)}
.tag{display:inline-block;border:1px solid #d6dbe6;border-radius:4px;padding:0 .35rem;
font-size:.78rem;color:#374151;margin-right:.25rem}
.chip{display:inline-block;background:var(--soft);border-radius:4px;padding:.05rem .4rem;
margin:.1rem .2rem .1rem 0;font-size:.82rem}
.verdict{font-size:1.2rem;font-weight:600;padding:.8rem 1.1rem;border-radius:8px;margin:1rem 0}
.verdict .why{display:block;font-size:.9rem;font-weight:400;margin-top:.2rem}
.v-good{background:#e7f6ea;color:#166534}.v-bad{background:#fdecec;color:#991b1b}
.v-none{background:#f1f3f7;color:#374151}.v-A{background:#e8eef8;color:#27467a}
.v-B{background:#fbeee4;color:#8a4a17}
td.vt,th.vt{background:none;text-align:left;font-weight:600}td.vt.v-none{color:var(--mut);font-weight:400}
img.fig{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;margin:.4rem 0}
.seg td,.seg th{padding:.28rem .5rem}.seg td.v{white-space:nowrap;background:linear-gradient(#a9bfe8,#a9bfe8) no-repeat 0 100%;
background-size:0 4px}.seg td.v b{font-weight:600}
.seg td .ci{font-size:.74rem;color:var(--mut);display:inline-block;min-width:6.4em;text-align:left}
.seg tr.grp td{background:#f3f5fa;font-size:.78rem;text-transform:uppercase;letter-spacing:.03em;
color:var(--mut);text-align:left}
.seg th .n{display:block;font-weight:400;font-size:.75rem;color:var(--mut)}
.seg th{vertical-align:bottom}
.wrapcol{overflow-wrap:break-word}
.sh{max-width:11rem;overflow-wrap:anywhere;margin-left:auto}.shl{max-width:18rem;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
.cm td.d{background:#e7f6ea;font-weight:600}
.flex{display:flex;gap:1.6rem;flex-wrap:wrap;align-items:flex-start}
.crit{width:100%;table-layout:fixed}.crit td,.crit th{text-align:left}.crit td.r,.crit th.r{text-align:right}
.crit td.j{font-size:.82rem;color:#374151;overflow-wrap:anywhere}
details.raw{margin:.4rem 0}details.raw>summary{cursor:pointer;color:var(--mut);font-size:.88rem}
[hidden]{display:none!important}
"""

JS = """
(function(){
const q=document.getElementById('q');
const items=Array.from(document.querySelectorAll('.item'));
const flts=Array.from(document.querySelectorAll('[data-flt]'));
let texts=null;
function on(f){return f.type==='checkbox'?f.checked:!!f.value;}
function apply(){
  if(!texts)texts=items.map(el=>el.textContent.toLowerCase());
  const t=q?q.value.trim().toLowerCase():'';let shown=0;
  items.forEach((el,i)=>{let ok=!t||texts[i].includes(t);
    for(const f of flts){if(!ok)break;if(on(f)&&el.getAttribute('data-'+f.dataset.flt)!==f.value)ok=false;}
    el.hidden=!ok;if(ok)shown++;});
  const c=document.getElementById('shown');if(c)c.textContent=String(shown);
}
function readHash(){
  const h=location.hash.replace(/^#/,'');if(!h)return;
  let p;try{p=new URLSearchParams(h);}catch(e){return;}
  if(q&&p.has('q'))q.value=p.get('q');
  flts.forEach(f=>{const k=f.dataset.flt;if(!p.has(k))return;
    if(f.type==='checkbox')f.checked=p.get(k)===f.value;else f.value=p.get(k);});
}
function writeHash(){
  const p=new URLSearchParams();if(q&&q.value)p.set('q',q.value);
  flts.forEach(f=>{if(on(f))p.set(f.dataset.flt,f.value);});
  const s=p.toString();
  try{history.replaceState(null,'',s?'#'+s:location.pathname+location.search);}catch(e){}
}
function update(){apply();writeHash();}
if(q)q.addEventListener('input',update);
flts.forEach(f=>f.addEventListener(f.tagName==='SELECT'?'change':'input',update));
window.addEventListener('hashchange',()=>{readHash();apply();});
const all=document.getElementById('expand');
if(all)all.addEventListener('click',()=>{const open=all.dataset.open!=='1';
  items.forEach(el=>{if(!el.hidden&&el.tagName==='DETAILS')el.open=open;});
  all.dataset.open=open?'1':'0';all.textContent=open?'collapse shown':'expand shown';});
readHash();apply();
})();
"""


def esc(text: Any) -> str:
    """HTML-escaped text (quotes too), ``""`` for None."""
    return html.escape("" if text is None else str(text), quote=True)


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def fmt(v: Any, d: int = 4) -> str:
    """A number with ``d`` decimals; ``–`` for a missing or non-finite one."""
    f = _finite(v)
    return "–" if f is None else f"{f:.{d}f}"


def pct(v: Any, d: int = 1) -> str:
    """A share as a percentage; ``–`` when missing."""
    f = _finite(v)
    return "–" if f is None else f"{100 * f:.{d}f}%"


def ci_text(lo: Any, hi: Any, d: int = 3, percent: bool = False) -> str:
    """``[lo, hi]``, or ``""`` when both ends are missing."""
    if _finite(lo) is None and _finite(hi) is None:
        return ""
    f = (lambda v: pct(v, 1)) if percent else (lambda v: fmt(v, d))
    return f"[{f(lo)}, {f(hi)}]"


def bar(value: Any, lo: Any = None, hi: Any = None, scale: float = 1.0, width: int = 110) -> str:
    """An inline SVG bar with its confidence interval as a whisker."""
    v = _finite(value)
    if v is None or scale <= 0:
        return ""

    def x(u: float) -> float:
        return max(0.0, min(1.0, u / scale)) * width

    parts = [f'<svg width="{width}" height="12" role="img" aria-hidden="true">'
             f'<rect x="0" y="2" width="{width}" height="8" fill="#eef1f7"/>'
             f'<rect x="0" y="2" width="{x(v):.1f}" height="8" fill="#6d8fd6"/>']
    a, b = _finite(lo), _finite(hi)
    if a is not None and b is not None:
        parts.append(f'<line x1="{x(a):.1f}" y1="6" x2="{x(b):.1f}" y2="6" stroke="#1d2430" '
                     'stroke-width="1.4"/>')
    parts.append("</svg>")
    return "".join(parts)


def card(label: str, value: str, sub: str = "", title: str = "") -> str:
    """One headline card; ``label`` and ``sub`` are escaped, ``value`` is markup."""
    t = f" title='{esc(title)}'" if title else ""
    s = f"<span class='ci'>{esc(sub)}</span>" if sub else ""
    return f"<div class='card'{t}><span class='k'>{esc(label)}</span><b>{value}</b>{s}</div>"


def cards(parts: Iterable[str], group: str | None = None) -> str:
    """A row of cards, with a small group heading when ``group`` is given."""
    body = "".join(parts)
    if not body:
        return ""
    head = f"<div class='cardgroup'>{esc(group)}</div>" if group else ""
    return f"{head}<div class='cards'>{body}</div>"


def note(text: str, cls: str = "muted") -> str:
    """A paragraph of plain (escaped) text."""
    return f"<p class='{cls}'>{esc(text)}</p>"


def long_text(text: Any, limit: int = TEXT_LIMIT, *, source: str = "examples.jsonl") -> str:
    """A ``<pre>`` of ``text`` cut at ``limit`` characters, with a visible note when cut."""
    s = "" if text is None else str(text)
    if len(s) <= limit:
        return f"<pre>{esc(s)}</pre>"
    return (f"<pre>{esc(s[:limit])}</pre><p class='trunc'>… truncated, {len(s):,} characters; "
            f"full text in {esc(source)}</p>")


def clip(text: Any, limit: int = 160) -> str:
    """The first line-ish ``limit`` characters of ``text``, escaped, one line."""
    s = " ".join(("" if text is None else str(text))[: limit + 200].split())
    return esc(s if len(s) <= limit else s[: limit - 1] + "…")


def png_img(data: bytes, alt: str) -> str:
    """An ``<img>`` holding the PNG bytes as a data: URI."""
    b64 = base64.b64encode(data).decode("ascii")
    return f"<img class='fig' alt='{esc(alt)}' src='data:image/png;base64,{b64}'>"


def figure_img(draw: Callable[[Path], Any], alt: str) -> str:
    """Draw a figure with ``draw(path)`` (one of the ``write_*_figure`` functions) into a
    temporary file and return it inline; a note instead when it cannot be drawn."""
    try:
        with tempfile.TemporaryDirectory(prefix="assay-fig-") as tmp:
            path = Path(tmp) / "figure.png"
            draw(path)
            return png_img(path.read_bytes(), alt)
    except ImportError as exc:  # pragma: no cover - matplotlib is a dependency
        return note(f"figure not drawn ({exc})")
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        return note(f"figure not drawn ({type(exc).__name__})")


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``, or None when missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_run(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(metrics.json, run.json)`` of a run directory; ValueError without a metrics.json."""
    summary = read_json(run_dir / "metrics.json")
    if summary is None:
        raise ValueError(f"{run_dir}: no readable metrics.json")
    return summary, read_json(run_dir / "run.json") or {}


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of an ``examples.jsonl``, skipping unreadable lines."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                yield rec


def run_title(run_dir: Path, fallback: Any = None) -> str:
    """The run's name from run.json, else the folder's name."""
    manifest = read_json(run_dir / "run.json") or {}
    try:
        name = manifest["recipe"]["run"]["name"]
    except (KeyError, TypeError):
        name = None
    return str(name or run_dir.name or fallback or "run")


def search_box(placeholder: str, total: int, controls: str = "", expand: bool = True) -> str:
    """The sticky toolbar above an example browser: search box, filters, shown count."""
    exp = ("<button type='button' id='expand' class='small'>expand shown</button>"
           if expand else "")
    return (f"<div class='toolbar'><input type='search' id='q' placeholder='{esc(placeholder)}' "
            f"aria-label='search'>{controls}<span class='muted small'><span id='shown'>{total}"
            f"</span> of {total} shown</span>{exp}</div>")


def filter_select(key: str, label: str, options: Iterable[tuple[str, str]]) -> str:
    """A select filtering items on ``data-KEY``; ``options`` are (value, shown text)."""
    opts = "".join(f"<option value='{esc(v)}'>{clip(t, 40)}</option>" for v, t in options)
    return (f"<label>{clip(label, 40)} <select data-flt='{esc(key)}'><option value=''>all</option>"
            f"{opts}</select></label>")


def filter_check(key: str, value: str, label: str, ident: str | None = None) -> str:
    """A checkbox keeping only items whose ``data-KEY`` equals ``value``."""
    i = f" id='{esc(ident)}'" if ident else ""
    return (f"<label><input type='checkbox'{i} data-flt='{esc(key)}' value='{esc(value)}'> "
            f"{esc(label)}</label>")


def segment_filters(groups: Any, limit: int = 60) -> str:
    """One select per group-by field (``data-g0``, ``data-g1``, … on the items), for fields
    with at most ``limit`` segments."""
    if not isinstance(groups, dict):
        return ""
    out = []
    for i, (field, segs) in enumerate(groups.items()):
        if isinstance(segs, dict) and 1 < len(segs) <= limit:
            out.append(filter_select(f"g{i}", str(field), ((str(s), str(s)) for s in segs)))
    return "".join(out)


def segment_attrs(groups: Any, metadata: Any) -> str:
    """The ``data-gI`` attributes of one example (its segment for each group-by field)."""
    from ..analysis.stratify import group_value

    if not isinstance(groups, dict):
        return ""
    meta = metadata if isinstance(metadata, dict) else None
    return "".join(f" data-g{i}='{esc(group_value(meta, str(field)))}'"
                   for i, field in enumerate(groups))


def page(title: str, body: Iterable[str], *, extra_js: str = "", extra_css: str = "",
         toc: Iterable[tuple[str, str]] = (), subtitle: str = "") -> str:
    """The whole document: head with style, title, optional table of contents, the body parts
    and the one script. ``title`` is plain text (escaped here); ``subtitle`` is markup whose
    data-derived parts the caller escaped."""
    links = "".join(f"<a href='#{esc(a)}'>{esc(t)}</a>" for a, t in toc)
    nav = f"<nav class='toc'>{links}</nav>" if links else ""
    sub = f"<p class='muted'>{subtitle}</p>" if subtitle else ""
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>assay · {esc(title)}</title><style>{CSS}{extra_css}</style></head><body>"
            f"<header><h1>{esc(title)}</h1>{sub}{nav}</header>"
            + "".join(body) + f"<script>{JS}{extra_js}</script></body></html>")
