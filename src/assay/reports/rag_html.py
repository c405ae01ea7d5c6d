"""HTML pieces of one RAG example in a report: the generated answer with its citation spans
highlighted, the retrieved passages in rank order (relevance marks, scores, the judge's
per-passage label), the citations' model-free checks, and a unit metric's per-unit ratings.

Every piece of model or dataset text is escaped on its own (:func:`.html_page.esc`); the
markup between the pieces is fixed, so hostile text stays text."""

from __future__ import annotations

from typing import Any

from .html_page import TEXT_LIMIT, clip, esc, fmt, long_text

__all__ = ["RAG_CSS", "highlight_citations", "passages_html", "citations_html", "units_html"]

RAG_CSS = """
.warn{color:#92400e;background:#fff7e6;border-left:3px solid #f59e0b;padding:.35rem .6rem;
border-radius:4px}
.ans{white-space:pre-wrap;overflow-wrap:anywhere;background:#f8f8fb;padding:.5rem .6rem;
border-radius:6px;font-size:.88rem;margin:.2rem 0 .5rem;max-height:28rem;overflow-y:auto}
mark.cite{background:#fde68a;border-radius:2px;padding:0 .05rem}
sup.cn{color:#92400e;font-weight:600;font-size:.7rem}
.psg{border:1px solid var(--line);border-radius:6px;padding:.35rem .6rem;margin:.35rem 0}
.psg.rel{border-left:4px solid var(--ok)}
.psg .ph{display:flex;gap:.6rem;align-items:baseline;flex-wrap:wrap;font-size:.84rem}
.psg pre{max-height:14rem}
.mk{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.76rem;font-weight:600}
.mk.rel{background:#dcfce7;color:#166534}.mk.irr{background:#f1f3f7;color:#6b7280}
.mk.jg{background:#e8eef8;color:#27467a}.mk.bad{background:#fdecec;color:#991b1b}
.units{width:100%;table-layout:fixed;font-size:.84rem}.units td,.units th{text-align:left}
.units td{overflow-wrap:anywhere}.units col.i{width:3rem}.units col.l{width:10rem}
.units col.s{width:4.6rem}
.mh{margin:.9rem 0 .2rem;font-size:.95rem}
"""


def _spans(checks: Any, size: int) -> list[tuple[int, int, int]]:
    """``(start, end, citation number)`` of every located citation, clipped to ``size``."""
    out = []
    for i, c in enumerate(checks if isinstance(checks, list) else []):
        loc = c.get("located") if isinstance(c, dict) else None
        if (isinstance(loc, (list, tuple)) and len(loc) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in loc)):
            a, b = max(0, loc[0]), min(size, loc[1])
            if a < b:
                out.append((a, b, i + 1))
    return out


def highlight_citations(text: Any, checks: Any, limit: int = TEXT_LIMIT) -> str:
    """The answer as a block, each located citation span (``checks``: the records'
    ``citation_check.citations``, ``located`` offsets) highlighted and numbered; the text is
    cut at ``limit`` characters (said), every piece escaped on its own."""
    s = "" if text is None else str(text)
    shown = s[:limit]
    spans = _spans(checks, len(shown))
    cuts = sorted({0, len(shown), *[a for a, _, _ in spans], *[b for _, b, _ in spans]})
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        piece = esc(shown[a:b])
        covering = [n for x, y, n in spans if x <= a and b <= y]
        if covering:
            nums = ", ".join(str(n) for n in covering)
            piece = f"<mark class='cite' title='citation {esc(nums)}'>{piece}</mark>"
        ending = [n for _, y, n in spans if y == b]
        if ending:
            piece += "".join(f"<sup class='cn'>[{n}]</sup>" for n in ending)
        parts.append(piece)
    out = f"<div class='ans'>{''.join(parts)}</div>"
    if len(s) > limit:
        out += (f"<p class='trunc'>… truncated, {len(s):,} characters; full text in "
                "examples.jsonl</p>")
    return out


def _unit_labels(rating: Any) -> dict[int, dict[str, Any]]:
    units = rating.get("units") if isinstance(rating, dict) else None
    return {u["index"]: u for u in units or () if isinstance(u, dict)
            and isinstance(u.get("index"), int)}


def passages_html(passages: Any, relevance: Any, judged: dict[str, Any],
                  limit: int = 1200, max_shown: int = 30) -> str:
    """The retrieved passages in rank order, each with its retriever score, RELEVANT when
    it matched a reference context (``relevance[i]`` not None; ``not relevant`` when the row
    has reference contexts and it matched none) and the judge's label of it from every
    per-passage metric in ``judged`` (metric name -> that metric's rating); the first
    ``max_shown`` passages, each cut at ``limit`` characters."""
    rows = passages if isinstance(passages, list) else []
    if not rows:
        return "<p class='muted'>no passage was retrieved</p>"
    rel = relevance if isinstance(relevance, list) else []
    labels = {m: _unit_labels(r) for m, r in judged.items()}
    h = []
    for i, p in enumerate(rows[:max_shown]):
        p = p if isinstance(p, dict) else {"text": p}
        marks = []
        matched = rel[i] if i < len(rel) else None
        if matched is not None:
            ref = f" (reference context {matched + 1})" if isinstance(matched, int) else ""
            marks.append(f"<span class='mk rel'>RELEVANT{esc(ref)}</span>")
        elif rel:
            marks.append("<span class='mk irr'>no reference match</span>")
        for m, by_index in labels.items():
            u = by_index.get(i)
            if u is None:
                continue
            label = u.get("label") or u.get("status")
            cls = "bad" if u.get("score") == 0.0 else "jg"
            marks.append(f"<span class='mk {cls}' title='{esc(u.get('explanation'))}'>"
                         f"{esc(m.rpartition('.')[2])}: {esc(label)}</span>")
        name = p.get("name") or p.get("id")
        head = (f"<b>#{i + 1}</b> <span class='muted'>score {fmt(p.get('score'), 3)}</span>"
                + (f" <span class='muted'>{clip(name, 60)}</span>" if name else "")
                + " " + " ".join(marks))
        cls = "psg rel" if matched is not None else "psg"
        h.append(f"<div class='{cls}'><div class='ph'>{head}</div>"
                 f"{long_text(p.get('text'), limit)}</div>")
    if len(rows) > max_shown:
        h.append(f"<p class='trunc'>… {len(rows) - max_shown} more passages in "
                 "examples.jsonl</p>")
    return "".join(h)


def _yes(v: Any) -> str:
    if v is None:
        return "<span class='muted'>–</span>"
    return "<span class='ok'>yes</span>" if v else "<span class='no'>no</span>"


def citations_html(citations: Any, check: Any) -> str:
    """A table of the answer's citations: the cited text, the model-free checks (span inside
    the answer, aligned with its text, text found) and, per cited passage, whether it is
    among the retrieved ones."""
    cits = citations if isinstance(citations, list) else []
    checks = (check or {}).get("citations") if isinstance(check, dict) else None
    checks = checks if isinstance(checks, list) else []
    if not cits and not checks:
        return ""
    rows = []
    for i in range(max(len(cits), len(checks))):
        c = cits[i] if i < len(cits) and isinstance(cits[i], dict) else {}
        k = checks[i] if i < len(checks) and isinstance(checks[i], dict) else {}
        refs = c.get("references") if isinstance(c.get("references"), list) else []
        got = k.get("references_retrieved") if isinstance(k.get("references_retrieved"),
                                                          list) else []
        cited = "<br>".join(
            f"{clip((r or {}).get('text') if isinstance(r, dict) else r, 140)} "
            f"<span class='small'>retrieved: {_yes(got[j] if j < len(got) else None)}</span>"
            for j, r in enumerate(refs)) or "<span class='muted'>no passage</span>"
        rows.append(f"<tr><td>[{i + 1}]</td><td>{clip(c.get('text') or k.get('text'), 160)}</td>"
                    f"<td>{_yes(k.get('span_in_bounds'))}</td><td>{_yes(k.get('span_aligned'))}"
                    f"</td><td>{_yes(k.get('text_found'))}</td><td>{cited}</td></tr>")
    return ("<table class='units'><colgroup><col class='i'><col><col class='s'><col class='s'>"
            "<col class='s'><col></colgroup><thead><tr><th>#</th><th>cited text</th>"
            "<th>in answer</th><th>aligned</th><th>found</th>"
            "<th>cited passages</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def units_html(units: Any, limit: int = 400) -> str:
    """A unit metric's per-unit ratings: what was judged (passage, statement, citation),
    its label, 0-1 score and the judge's explanation (or the problem)."""
    rows = []
    for u in units if isinstance(units, list) else []:
        if not isinstance(u, dict):
            continue
        idx = u.get("index")
        where = f"{idx + 1}" if isinstance(idx, int) else "?"
        if isinstance(u.get("citation"), int):
            where = f"[{u['citation'] + 1}]"
        why = u.get("explanation") or u.get("problem") or ""
        label = u.get("label") or u.get("status")
        rows.append(f"<tr><td>{esc(where)}</td><td>{clip(u.get('text'), limit)}</td>"
                    f"<td>{esc(label)}</td><td class='num'>{fmt(u.get('score'), 2)}</td>"
                    f"<td>{clip(why, limit)}</td></tr>")
    if not rows:
        return ""
    return ("<table class='units'><colgroup><col class='i'><col><col class='l'><col class='s'>"
            "<col></colgroup><thead><tr><th>#</th><th>judged</th><th>label</th><th>score</th>"
            "<th>explanation</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
