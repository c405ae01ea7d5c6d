"""The HTML report of a RAG evaluation run (``report.html``): the run (kind, model or RAG
source, judge, knowledge base, counts, warnings), the judge metrics with their 95% CIs, counts
and rating distributions, the model-free retrieval metrics (table and a recall@k / nDCG@k
figure), the model-free citation checks beside the judge's citation metrics, every group-by
segment, and the worst examples first (question, references, the answer with its citations
highlighted, the passages in rank order, every metric's rating and per-unit ratings).
Drawn from ``metrics.json`` and ``examples.jsonl`` only, so ``assay report`` redraws it."""

from __future__ import annotations

import heapq
import re
from pathlib import Path
from typing import Any

from ...reports.html_page import (bar, card, cards, ci_text, clip, esc, figure_img, fmt,
                                  iter_records, long_text, note, page, pct, read_run,
                                  run_title, search_box)
from ...reports.rag_figure import write_retrieval_figure
from ...reports.rag_html import (RAG_CSS, citations_html, highlight_citations, passages_html,
                                 units_html)

__all__ = ["write_rag_report", "MAX_EXAMPLES"]

#: examples shown in full, worst first (all are in examples.jsonl)
MAX_EXAMPLES = 50

KIND_TEXT = {"retrieve": "retrieve-only", "retrieve_and_generate": "retrieve-and-generate"}

#: what each unit metric judges, for the tables
UNIT_TEXT = {"whole": "whole example", "passage": "each passage",
             "reference_claim": "each reference statement", "claim": "each answer statement",
             "citation": "each (citation, passage)", "cited_claim": "each answer statement"}

_LOWER = "lower is better"


def _short(metric: str) -> str:
    return metric.rpartition(".")[2] or metric


def _name(metric: str, s: dict[str, Any]) -> str:
    return esc(metric) + (f" <span class='muted'>({_LOWER})</span>"
                          if s.get("lower_is_better") else "")


def _counts(d: dict[str, Any] | None) -> str:
    """``label n (share)`` chips of a rating distribution."""
    d = d if isinstance(d, dict) else {}
    total = sum(v for v in d.values() if isinstance(v, int))
    if not total:
        return "<span class='muted'>–</span>"
    return "".join(f"<span class='chip'>{esc(k)} <b>{esc(v)}</b> "
                   f"<span class='muted'>{pct(v / total, 0)}</span></span>"
                   for k, v in d.items())


def _header(s: dict[str, Any]) -> list[str]:
    kind = s.get("kind")
    who = "model" if kind == "retrieve_and_generate" else "RAG source"
    kb = s.get("knowledge_base")
    kb_text = (f"knowledge base {kb.get('identifier')} ({kb.get('path')}; "
               f"{kb.get('retrieval')} retrieval, top {kb.get('top_k')})"
               if isinstance(kb, dict) else "outputs from the dataset (no knowledge base)")
    ret = s.get("retrieval") or {}
    refs = (f" · {ret.get('n_with_references')} with reference contexts"
            if ret else " · no reference contexts (no retrieval metrics)")
    judge = s.get("judge_model") if s.get("metrics") else "none (no judge metric)"
    out = [note(f"{KIND_TEXT.get(kind, kind)} · {who} {s.get('model')} · judge {judge}"),
           note(kb_text),
           note(f"{s.get('n_examples')} examples{refs} · {s.get('n_errors')} failed · "
                f"{s.get('n_unparseable')} with an unparseable rating")]
    out += [note(w, "warn") for w in s.get("warnings") or []]
    if s.get("embedded_judge"):
        from ...judges.quality import embedded_grader_line

        line = embedded_grader_line(s.get("embedded_judge"))
        if line:
            out.append(note(line, "warn"))
    return out


def _ks(ret: dict[str, Any], family: str) -> list[int]:
    return sorted(int(m.group(1)) for name in (ret.get("metrics") or {})
                  if (m := re.fullmatch(re.escape(family) + r"@(\d+)", str(name))))


def _head_cards(s: dict[str, Any]) -> list[str]:
    metrics = s.get("metrics") or {}
    judge = [card(_short(m), fmt(v.get("value"), 3),
                  " · ".join(x for x in (ci_text(v.get("ci_low"), v.get("ci_high")),
                                         _LOWER if v.get("lower_is_better") else "") if x),
                  title=f"{m}" + (f" ({_LOWER})" if v.get("lower_is_better") else ""))
             for m, v in metrics.items()]
    out = [cards(judge, "judge metrics: mean score (0 to 1) with 95% CI")]
    ret = s.get("retrieval") or {}
    rm = ret.get("metrics") or {}
    top = [f"{f}@{_ks(ret, f)[-1]}" for f in ("recall", "ndcg", "hit_rate") if _ks(ret, f)]
    retrieval = [card(name, fmt(rm[name].get("value"), 3),
                      ci_text(rm[name].get("ci_low"), rm[name].get("ci_high")))
                 for name in [*top, "mrr"] if isinstance(rm.get(name), dict)]
    cit = s.get("citation_checks") or {}
    if cit.get("n_citations"):
        cov = cit.get("coverage") or {}
        retrieval.append(card("citation coverage (no judge)", fmt(cov.get("value"), 3),
                              ci_text(cov.get("ci_low"), cov.get("ci_high"))))
    out.append(cards(retrieval, "model-free: retrieval and citation checks (95% CI)"))
    return out


def _judge_table(metrics: dict[str, Any]) -> str:
    if not metrics:
        return note("no judge metric was run")
    rows = []
    for m, s in metrics.items():
        dist = s.get("unit_labels") if s.get("unit", "whole") != "whole" else s.get("labels")
        rows.append(
            f"<tr><td>{_name(m, s)}</td><td>{esc(UNIT_TEXT.get(s.get('unit'), s.get('unit')))}"
            f"</td><td>{fmt(s.get('value'), 3)}</td>"
            f"<td>{bar(s.get('value'), s.get('ci_low'), s.get('ci_high'))} "
            f"{ci_text(s.get('ci_low'), s.get('ci_high'))}</td><td>{esc(s.get('n'))}</td>"
            f"<td>{esc(s.get('n_not_applicable'))}</td><td>{esc(s.get('n_unparseable'))}</td>"
            f"<td>{esc((s.get('n_failed') or 0) + (s.get('n_skipped') or 0))}</td>"
            f"<td class='shl' style='text-align:left'>{_counts(dist)}</td></tr>")
    return ("<div class='scroll'><table><thead><tr><th>metric</th><th>judged on</th>"
            "<th>mean (0-1)</th><th>95% CI</th><th>scored</th><th>n/a</th><th>unparseable</th>"
            "<th>failed / skipped</th><th>ratings given (units for unit metrics)</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table></div>"
            + note("A unit metric's score is the mean over its units (passages, statements or "
                   "citations) of each unit's 0-1 rating; the distribution counts the units."))


def _retrieval(ret: dict[str, Any] | None) -> str:
    h = ["<h2 id='retrieval'>Retrieval (model-free)</h2>"]
    if not ret:
        return "".join(h) + note("no reference contexts in the data: the retrieval metrics "
                                 "(recall@k, precision@k, hit_rate@k, nDCG@k, MRR) need them")
    h.append(note(f"{ret.get('n_with_references')} of {ret.get('n')} queries have reference "
                  "contexts; a retrieved passage is relevant when it matches one. Proportions "
                  "(hit_rate) get Wilson intervals, the other means t intervals."))
    rows = "".join(
        f"<tr><td>{esc(name)}</td><td>{fmt(v.get('value'), 3)}</td>"
        f"<td>{bar(v.get('value'), v.get('ci_low'), v.get('ci_high'))} "
        f"{ci_text(v.get('ci_low'), v.get('ci_high'))}</td><td>{esc(v.get('n'))}</td>"
        f"<td>{esc(v.get('interval'))}</td></tr>"
        for name, v in (ret.get("metrics") or {}).items() if isinstance(v, dict))
    h.append("<div class='flex'><div><table id='retrieval-table'><thead><tr><th>metric</th>"
             "<th>mean</th><th>95% CI</th><th>n</th><th>interval</th></tr></thead><tbody>"
             + rows + "</tbody></table></div><div style='flex:1;min-width:22rem'>"
             + figure_img(lambda p: write_retrieval_figure(ret, p),
                          "recall@k and nDCG@k against k with 95% CIs") + "</div></div>")
    return "".join(h)


def _citations(s: dict[str, Any]) -> str:
    cit = s.get("citation_checks")
    judged = {m: v for m, v in (s.get("metrics") or {}).items()
              if v.get("unit") in ("citation", "cited_claim")}
    if not cit and not judged:
        return ""
    h = ["<h2 id='citations'>Citations</h2><div class='two'><div>",
         "<h3>Checks without a judge</h3>"]
    if cit:
        cov = cit.get("coverage") or {}
        rows = [("citations", esc(cit.get("n_citations")),
                 f"in {esc(cit.get('n_examples_with_citations'))} of "
                 f"{esc(cit.get('n_examples'))} answers"),
                ("span inside the answer", pct(cit.get("in_bounds")),
                 f"{esc(cit.get('n_in_bounds'))} citations"),
                ("span aligned with its text", pct(cit.get("aligned")),
                 f"{esc(cit.get('n_aligned'))} citations"),
                ("cited text found in the answer", pct(cit.get("text_found")),
                 f"{esc(cit.get('n_text_found'))} citations"),
                ("cited passages among the retrieved", pct(cit.get("references_retrieved")),
                 f"{esc(cit.get('n_references_retrieved'))} of "
                 f"{esc(cit.get('n_references'))} cited passages"),
                ("answer covered by citations", fmt(cov.get("value"), 3),
                 f"{ci_text(cov.get('ci_low'), cov.get('ci_high'))} mean share of characters, "
                 f"n = {esc(cov.get('n'))}")]
        h.append("<table><tbody>" + "".join(f"<tr><td>{a}</td><td>{b}</td>"
                                              f"<td class='muted'>{c}</td></tr>"
                                              for a, b, c in rows) + "</tbody></table>")
    else:
        h.append(note("no citation check (the outputs carry no citations)"))
    h.append("</div><div><h3>Judged</h3>")
    if judged:
        for m, v in judged.items():
            h.append(f"<p><b>{_name(m, v)}</b>: {fmt(v.get('value'), 3)} "
                     f"{ci_text(v.get('ci_low'), v.get('ci_high'))} "
                     f"<span class='muted'>n = {esc(v.get('n'))}; judged on "
                     f"{esc(UNIT_TEXT.get(v.get('unit')))}</span><br>"
                     f"{_counts(v.get('unit_labels'))}</p>")
    else:
        h.append(note("no judged citation metric (CitationPrecision, CitationCoverage)"))
    return "".join(h) + "</div></div>"


def _cell(v: Any) -> str:
    if not isinstance(v, dict) or v.get("value") is None:
        return "<td class='v muted'>–</td>"
    return (f"<td class='v'><b>{fmt(v.get('value'), 3)}</b><br><span class='ci'>"
            f"{ci_text(v.get('ci_low'), v.get('ci_high'), 2)} n={esc(v.get('n'))}</span></td>")


def _groups(s: dict[str, Any]) -> str:
    h = ["<h2 id='groups'>By segment</h2>"]
    judge_groups = s.get("groups") or {}
    ret = s.get("retrieval") or {}
    ret_groups = ret.get("groups") or {}
    fields = list(dict.fromkeys([*judge_groups, *ret_groups]))
    if not fields:
        return "".join(h) + note("no group-by field (set assay.group_by; a Bedrock category "
                                 "is used whenever the rows have one)")
    metrics = list(s.get("metrics") or {})
    cols = [f"{f}@{_ks(ret, f)[-1]}" for f in ("recall", "ndcg") if _ks(ret, f)]
    cols += ["mrr"] if "mrr" in (ret.get("metrics") or {}) else []
    head = "".join(f"<th class='sh'>{esc(_short(m))}</th>" for m in metrics + cols)
    for field in fields:
        segs = list(dict.fromkeys([*(judge_groups.get(field) or {}),
                                   *(ret_groups.get(field) or {})]))
        rows = []
        for seg in segs:
            jb = (judge_groups.get(field) or {}).get(seg) or {}
            rb = (ret_groups.get(field) or {}).get(seg) or {}
            n = jb.get("n", rb.get("n"))
            rows.append(f"<tr><td>{esc(seg)}</td><td>{esc(n)}</td>"
                        + "".join(_cell((jb.get("metrics") or {}).get(m)) for m in metrics)
                        + "".join(_cell((rb.get("metrics") or {}).get(c)) for c in cols)
                        + "</tr>")
        h.append(f"<h3>by {esc(field)}</h3><div class='scroll'><table class='seg'><thead><tr>"
                 f"<th>segment</th><th>n</th>{head}</tr></thead><tbody>{''.join(rows)}"
                 "</tbody></table></div>")
    return "".join(h)


def _goodness(rec: dict[str, Any], metrics: dict[str, Any]) -> float | None:
    """How good an example looks: the mean of its judge scores (lower-is-better ones
    flipped), else its recall at the largest k, else its MRR."""
    vals = []
    for m, r in (rec.get("ratings") or {}).items():
        v = r.get("score") if isinstance(r, dict) else None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            vals.append(1.0 - v if (metrics.get(m) or {}).get("lower_is_better") else v)
    if vals:
        return sum(vals) / len(vals)
    ret = rec.get("retrieval") or {}
    recalls = sorted((int(k.partition("@")[2]), v) for k, v in ret.items()
                     if k.startswith("recall@") and k.partition("@")[2].isdigit()
                     and isinstance(v, (int, float)))
    if recalls:
        return float(recalls[-1][1])
    mrr = ret.get("mrr")
    return float(mrr) if isinstance(mrr, (int, float)) else None


def _rating(m: str, r: dict[str, Any], s: dict[str, Any]) -> str:
    lower = f" · {_LOWER}" if s.get("lower_is_better") else ""
    label = f"{esc(r.get('label'))}, " if r.get("label") else ""
    h = [f"<div class='mh'><b>{esc(m)}</b>: {label}score {fmt(r.get('score'), 3)} "
         f"<span class='muted'>({esc(r.get('status'))}{esc(lower)})</span></div>"]
    if r.get("problem"):
        h.append(note(r["problem"], "err"))
    if r.get("explanation"):
        h.append(long_text(r.get("explanation"), 1500))
    h.append(units_html(r.get("units")))
    raws = [("", r.get("raw"))] if r.get("raw") else []
    raws += [(f"unit {u.get('index', 0) + 1}: ", u.get("raw")) for u in r.get("units") or ()
             if isinstance(u, dict) and u.get("raw") and u.get("status") != "scored"
             and isinstance(u.get("index", 0), int)]
    if raws:
        h.append("<details class='raw'><summary>raw judge text</summary>"
                 + "".join(note(w) + long_text(t, 1500) for w, t in raws[:10]) + "</details>")
    return "".join(h)


def _example(rec: dict[str, Any], s: dict[str, Any], goodness: float | None) -> str:
    metrics = s.get("metrics") or {}
    ratings = rec.get("ratings") or {}
    ret = rec.get("retrieval") or {}
    chips = [f"{_short(m)} {fmt((ratings.get(m) or {}).get('score'), 2)}" for m in metrics]
    chips += [f"{k} {fmt(v, 2)}" for k, v in ret.items() if k.startswith("recall@")][-1:]
    err = rec.get("error") if isinstance(rec.get("error"), dict) else None
    flag = "<span class='mk bad'>error</span> " if err else ""
    parts = [f"<details class='item' data-err='{1 if err else 0}'><summary>"
             f"<span class='idx'>#{esc(rec.get('index'))}</span><span class='txt'>{flag}"
             f"{clip(rec.get('prompt'), 110)}</span><span class='chips'>"
             f"overall {fmt(goodness, 2)} · {esc(' · '.join(chips))}</span></summary>"
             "<div class='body'>"]
    if err:
        parts.append(note(f"error ({err.get('stage')}, {err.get('kind')}): "
                          f"{err.get('message')}", "err"))
        if err.get("raw"):
            parts.append("<div class='lbl'>raw text</div>" + long_text(err.get("raw"), 1500))
    parts.append("<div class='lbl'>question</div>" + long_text(rec.get("prompt")))
    refs = [r for r in rec.get("references") or [] if r]
    parts.append("<div class='lbl'>reference answer" + ("s" if len(refs) > 1 else "")
                 + "</div>" + ("".join(long_text(r, 1500) for r in refs)
                               or note("no reference answer")))
    ctx = rec.get("reference_contexts") or []
    if ctx:
        parts.append(f"<details class='raw'><summary>{len(ctx)} reference context(s)</summary>"
                     + "".join(f"<div class='lbl'>reference context {i + 1}</div>"
                               + long_text((c or {}).get("text") if isinstance(c, dict)
                                           else c, 1200) for i, c in enumerate(ctx))
                     + "</details>")
    if rec.get("kind") == "retrieve_and_generate" or rec.get("response") is not None:
        checks = (rec.get("citation_check") or {}).get("citations")
        parts.append("<div class='lbl'>generated answer (cited spans highlighted)</div>"
                     + (highlight_citations(rec.get("response"), checks)
                        if rec.get("response") is not None else note("no generated answer")))
        parts.append(citations_html(rec.get("citations"), rec.get("citation_check")))
    judged = {m: ratings.get(m) for m in metrics
              if metrics[m].get("unit") == "passage" and ratings.get(m)}
    rtext = " · ".join(f"{k} {fmt(v, 2)}" for k, v in ret.items())
    parts.append(f"<div class='lbl'>retrieved passages, in rank order</div>"
                 + (f"<p class='small muted'>{esc(rtext)}</p>" if rtext else "")
                 + passages_html(rec.get("passages"), rec.get("relevance"), judged))
    if ratings:
        parts.append("<div class='lbl'>judge ratings</div>")
    for m, r in ratings.items():
        if isinstance(r, dict):
            parts.append(_rating(m, r, metrics.get(m) or {}))
    return "".join(parts) + "</div></details>"


def _examples(run_dir: Path, s: dict[str, Any]) -> str:
    metrics = s.get("metrics") or {}
    total = 0

    def keyed():
        nonlocal total
        for i, rec in enumerate(iter_records(run_dir / "examples.jsonl")):
            total += 1
            g = _goodness(rec, metrics)
            yield (0 if rec.get("error") else 1, g is None, 0.0 if g is None else g, i), rec

    ranked = heapq.nsmallest(MAX_EXAMPLES, keyed(), key=lambda t: t[0])
    h = ["<h2 id='examples'>Examples, worst first</h2>",
         note(f"{len(ranked)} of {total} examples, failed ones first, then by the mean of "
              "their judge scores (lower-is-better metrics flipped), else by recall; all are "
              "in examples.jsonl")]
    if not ranked:
        return "".join(h)
    h.append(search_box("search examples (question, answer, passages)…", len(ranked)))
    h += [_example(rec, s, _goodness(rec, metrics)) for _, rec in ranked]
    return "".join(h)


def write_rag_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` from the run's ``metrics.json`` and ``examples.jsonl``;
    returns its path. ValueError without a readable metrics.json."""
    run_dir = Path(run_dir)
    s, _manifest = read_run(run_dir)
    body = [*_header(s), *_head_cards(s),
            "<h2 id='metrics'>Judge metrics</h2>", _judge_table(s.get("metrics") or {}),
            _retrieval(s.get("retrieval")), _citations(s), _groups(s),
            _examples(run_dir, s)]
    toc = [("metrics", "judge metrics"), ("retrieval", "retrieval")]
    if s.get("citation_checks") or any(v.get("unit") in ("citation", "cited_claim")
                                       for v in (s.get("metrics") or {}).values()):
        toc.append(("citations", "citations"))
    toc += [("groups", "segments"), ("examples", "examples")]
    kind = KIND_TEXT.get(s.get("kind"), s.get("kind"))
    out = run_dir / "report.html"
    out.write_text(page(run_title(run_dir, s.get("task")), body, toc=toc, extra_css=RAG_CSS,
                        subtitle=esc(f"RAG evaluation · {kind} · {s.get('task')}")),
                   encoding="utf-8")
    return out
