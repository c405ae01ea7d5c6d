"""The HTML report of a pairwise judge run (task ``llm_judge``, ``report.html``): the verdict,
B's win rate with its 95% CI, position consistency, the six-panel figure inline, judge quality
against human labels when the data has them, segments, and a pair browser showing for each
pair the prompt, both responses, both passes' raw judge text (rationale and verdict), the
verdicts, the reconciled outcome, the human label and the error.

:func:`judge_page` builds the page for the rubric report too (:mod:`assay.tasks.rubric_judge.report`
adds its sections and per-pair details). Reads only ``metrics.json``, ``run.json`` and
``examples.jsonl``; every piece of model or dataset text is HTML-escaped and long texts are
cut (the full text stays in the records)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...reports.html_page import (ITEM_BUDGET, bar, card, cards, ci_text, clip, esc, figure_img,
                        filter_check, filter_select, iter_records, long_text, note, page,
                        pct, read_run, run_title, search_box, segment_attrs, segment_filters)

__all__ = ["write_judge_report", "judge_page", "MAX_EXAMPLES"]

MAX_EXAMPLES = 2000
"""Pairs shown in the browser at most (the rest stay in examples.jsonl)."""

_OUTCOME = {"A": "A wins", "B": "B wins", "tie": "tie", "error": "error"}
_HUMAN = {"A": "A better", "B": "B better", "tie": "tie"}


def _verdict_class(verdict: Any) -> str:
    return {"B is better": "v-B", "A is better": "v-A"}.get(str(verdict), "v-none")


def verdict_section(s: dict[str, Any]) -> str:
    """The verdict in words, with the numbers behind it."""
    f = s.get("flat") or {}
    c = s.get("counts") or {}
    valid = sum(int(c.get(k) or 0) for k in ("A", "B", "tie"))
    why = (f"B's win rate is {pct(f.get('winrate'))} (95% CI {pct(f.get('lower_rate'))} to "
           f"{pct(f.get('upper_rate'))}) over {valid} judged pairs, ties counted as half; "
           "50% means no difference. ")
    if s.get("verdict") == "no significant difference":
        why += "The interval contains 50%: the difference is within noise."
    elif s.get("verdict") in ("A is better", "B is better"):
        why += "The interval excludes 50%: the difference is significant."
    return (f"<div class='verdict {_verdict_class(s.get('verdict'))}' id='verdict'>"
            f"{esc(s.get('verdict'))}<span class='why'>{esc(why)}</span></div>")


def headline_cards(s: dict[str, Any]) -> str:
    c, f = s.get("counts") or {}, s.get("flat") or {}
    parts = [card("pairs", esc(s.get("n_examples"))),
             card("A wins", esc(c.get("A"))), card("B wins", esc(c.get("B"))),
             card("ties", esc(c.get("tie"))), card("errors", esc(c.get("error"))),
             card("win rate of B", pct(f.get("winrate")),
                  ci_text(f.get("lower_rate"), f.get("upper_rate"), percent=True),
                  title="Bradley-Terry win rate of B, ties as half, bootstrap 95% CI"),
             card("position consistency", pct(s.get("position_consistency")),
                  "of parsed pairs", title="share of parsed pairs whose two passes agree")]
    w = s.get("weighted_winrate")
    if isinstance(w, dict) and w.get("value") is not None:
        parts.append(card("weighted win rate of B", pct(w.get("value")),
                          ci_text(w.get("lower"), w.get("upper"), percent=True),
                          title="mean over pairs of P(B) + 0.5 P(tie) from the judge's verdict "
                                f"probabilities ({w.get('n')} pairs), bootstrap 95% CI"))
    cal = s.get("judge_calibration")
    if isinstance(cal, dict):
        parts.append(card("judge calibration (ECE)", pct((cal.get("ece") or {}).get("value")),
                          f"{cal.get('n')} human-labelled pairs",
                          title="expected calibration error of the probability the judge gives "
                                "its reconciled outcome, against agreement with the human"))
    return cards(parts) + embedded_note(s)


def embedded_note(s: dict[str, Any]) -> str:
    """The embedded judge's measured human agreement (quality.json), when it is the judge."""
    from ...judges.quality import embedded_judge_line

    line = embedded_judge_line(s.get("embedded_judge"))
    return note(line, "err") if line else ""


def _probs_text(p: Any) -> str:
    if not isinstance(p, dict):
        return ""
    return " · ".join(f"P({k}) {pct(p.get(k))}" for k in ("A", "B", "tie"))


def figure_section(s: dict[str, Any], title: str) -> str:
    from .figure import write_judge_figure

    img = figure_img(lambda p: write_judge_figure(s, p, title=title),
                     "six panels: outcome counts, win rate with 95% CI, preference share, "
                     "A vs B, win-rate gauge, summary table")
    return f"<h2 id='figure'>Summary figure</h2>{img}"


def _share_row(label: str, d: Any) -> str:
    if not isinstance(d, dict):
        return ""
    return (f"<tr><td>{esc(label)}</td><td class='num'>{pct(d.get('rate'))}</td>"
            f"<td class='num'>{ci_text(d.get('lo'), d.get('hi'), percent=True)}</td>"
            f"<td class='num'>{esc(d.get('k'))} / {esc(d.get('n'))}</td>"
            f"<td>{bar(d.get('rate'), d.get('lo'), d.get('hi'))}</td></tr>")


def _confusion(name: str, m: Any) -> str:
    if not isinstance(m, dict):
        return ""
    cols = ("A", "B", "tie", "error")
    h = [f"<div><h3>{esc(name)}</h3><table class='cm'><thead><tr><th>human ↓ judge →</th>"
         + "".join(f"<th>{c}</th>" for c in cols) + "</tr></thead><tbody>"]
    for row in ("A", "B", "tie"):
        r = m.get(row) or {}
        h.append(f"<tr><td>{_HUMAN[row]}</td>" + "".join(
            f"<td class='num{' d' if col == row else ''}'>{esc(r.get(col, 0))}</td>"
            for col in cols) + "</tr>")
    h.append("</tbody></table></div>")
    return "".join(h)


def quality_section(s: dict[str, Any]) -> str:
    """Agreement with human labels (Wilson 95% CIs) and the confusion matrices."""
    q = s.get("judge_quality")
    if not isinstance(q, dict):
        return ""
    hc = q.get("human_counts") or {}
    h = ["<h2 id='quality'>Judge quality vs human labels</h2>",
         f"<p class='muted'>{esc(q.get('n'))} pairs carry a human label (A better "
         f"{esc(hc.get('A', 0))}, B better {esc(hc.get('B', 0))}, tie {esc(hc.get('tie', 0))}). "
         "With ties: a human tie is matched only by a judge tie. Without ties: pairs a human "
         "called a tie are left out and a judge tie counts as wrong. Reconciled: both orders "
         "combined.</p><table><thead><tr><th>measure</th><th>rate</th><th>95% CI</th>"
         "<th>k / n</th><th></th></tr></thead><tbody>"]
    for key, label in (("forward_agreement", "forward pass agrees"),
                       ("reconciled_agreement", "reconciled verdict agrees")):
        block = q.get(key) or {}
        h.append(_share_row(f"{label} (with ties)", block.get("with_ties")))
        h.append(_share_row(f"{label} (without ties)", block.get("without_ties")))
    h.append(_share_row("position consistency", q.get("position_consistency")))
    for key, d in (q.get("error_rate") or {}).items():
        h.append(_share_row(f"error rate ({key})", d))
    h.append("</tbody></table><div class='flex'>")
    for key, m in (q.get("confusion") or {}).items():
        h.append(_confusion(f"{key} verdicts", m))
    h.append("</div>")
    return "".join(h)


def segments_section(s: dict[str, Any]) -> str:
    """One table per group-by field: counts, B's win rate with its CI, verdict."""
    fields = s.get("groups") or {}
    if not fields:
        return ""
    h = ["<h2 id='segments'>Segments</h2>"]
    for field, segs in fields.items():
        h.append(f"<h3>By {esc(field)}</h3><table><thead><tr><th>{esc(field)}</th><th>n</th>"
                 "<th>A wins</th><th>B wins</th><th>ties</th><th>errors</th><th>win rate of B"
                 "</th><th>95% CI</th><th></th><th class='vt'>verdict</th></tr></thead><tbody>")
        for seg, info in segs.items():
            info = info or {}
            c, f = info.get("counts") or {}, info.get("flat") or {}
            h.append(f"<tr><td title='{esc(seg)}'><div class='shl'>{clip(seg, 80)}</div></td>"
                     f"<td>{esc(info.get('n'))}</td>"
                     f"<td>{esc(c.get('A'))}</td><td>{esc(c.get('B'))}</td>"
                     f"<td>{esc(c.get('tie'))}</td><td>{esc(c.get('error'))}</td>"
                     f"<td class='num'>{pct(f.get('winrate'))}</td><td class='num'>"
                     f"{ci_text(f.get('lower_rate'), f.get('upper_rate'), percent=True)}</td>"
                     f"<td>{bar(f.get('winrate'), f.get('lower_rate'), f.get('upper_rate'))}</td>"
                     f"<td class='vt {_verdict_class(info.get('verdict'))}'>"
                     f"{esc(info.get('verdict'))}</td></tr>")
        h.append("</tbody></table>")
    return "".join(h)


def _badge(outcome: Any) -> str:
    o = str(outcome) if outcome in _OUTCOME else "error"
    return f"<span class='badge o-{o}'>{esc(_OUTCOME[o])}</span>"


def _pass(label: str, verdict: Any, text: Any) -> str:
    body = long_text(text) if text is not None else "<p class='muted'>(no output)</p>"
    return f"<div><div class='lbl'>{esc(label)} → {_badge(verdict)}</div>{body}</div>"


def _reconciled(r: dict[str, Any]) -> str:
    o, fw, bw = r.get("outcome"), r.get("forward_verdict"), r.get("backward_verdict")
    if o == "error":
        why = "a pass gave no usable verdict"
    elif fw == bw:
        why = "both passes agree"
    else:
        why = "the passes disagree, so the pair counts as a tie (position-inconsistent)"
    return f"<p>reconciled outcome {_badge(o)} <span class='muted'>{esc(why)}</span></p>"


def pair_item(r: dict[str, Any], s: dict[str, Any],
              extra: Callable[[dict[str, Any]], str] | None = None,
              raw_collapsed: bool = False) -> str:
    """One pair of the browser: a summary line and, opened, everything about the pair."""
    o = r.get("outcome") if r.get("outcome") in _OUTCOME else "error"
    human = r.get("human_label") if r.get("human_label") in _HUMAN else None
    agree = "" if human is None or o == "error" else str(int(o == human))
    consistent = "" if o == "error" else str(int(bool(r.get("consistent"))))
    err = r.get("error") if isinstance(r.get("error"), dict) else None
    tags = [f"<span class='tag'>fwd {esc(r.get('forward_verdict'))} · bwd "
            f"{esc(r.get('backward_verdict'))}</span>"]
    if human:
        mark = "" if not agree else (" <span class='ok'>✓</span>" if agree == "1"
                                     else " <span class='no'>✗</span>")
        tags.append(f"<span class='tag'>human {esc(_HUMAN[human])}{mark}</span>")
    n_images = r.get("images")
    if isinstance(n_images, int) and not isinstance(n_images, bool) and n_images > 0:
        # the judge saw images with the pair (mm_llm_judge); their payloads are not recorded
        tags.append(f"<span class='tag'>[{esc(n_images)} image{'s' if n_images != 1 else ''}]"
                    "</span>")
    h = [f"<details class='item' data-id='{esc(r.get('id'))}' data-outcome='{o}' "
         f"data-consistent='{consistent}' "
         f"data-human='{esc(human or '')}' data-agree='{agree}'"
         f"{segment_attrs(s.get('groups'), r.get('metadata'))}><summary>"
         f"<span class='idx'>#{esc(r.get('index'))}</span>{_badge(o)}{''.join(tags)}"
         f"<span class='txt'>{clip(r.get('prompt'))}</span></summary><div class='body'>",
         f"<div class='lbl'>prompt</div>{long_text(r.get('prompt'))}<div class='two'>"
         f"<div><div class='lbl'>response A</div>{long_text(r.get('response_a'))}</div>"
         f"<div><div class='lbl'>response B</div>{long_text(r.get('response_b'))}</div></div>"]
    if extra is not None:
        h.append(extra(r))
    passes = ("<div class='two'>"
             + _pass("forward pass · A shown first", r.get("forward_verdict"),
                     r.get("forward_output"))
             + _pass("backward pass · B shown first", r.get("backward_verdict"),
                     r.get("backward_output"))
             + "</div><p class='muted small'>each pass's raw judge text (rationale and verdict "
             "token) as written; the backward verdict is mapped back to the original positions "
             "(A is always response A)</p>")
    if raw_collapsed:
        passes = (f"<details class='raw'><summary>raw judge text of both passes · forward "
                  f"{_badge(r.get('forward_verdict'))} backward {_badge(r.get('backward_verdict'))}"
                  f"</summary>{passes}</details>")
    h.append(passes)
    h.append(_reconciled(r))
    if isinstance(r.get("verdict_probs"), dict):
        h.append(f"<p class='muted small'>verdict probabilities (mean of both passes, original "
                 f"positions): {esc(_probs_text(r.get('verdict_probs')))} · forward "
                 f"{esc(_probs_text(r.get('forward_probs')) or 'n/a')} · backward "
                 f"{esc(_probs_text(r.get('backward_probs')) or 'n/a')}</p>")
    if human:
        h.append(f"<p>human label <b>{esc(_HUMAN[human])}</b>"
                 + ("" if not agree else " · the judge " + ("agrees" if agree == "1"
                                                            else "disagrees")) + "</p>")
    if r.get("metadata_raw"):
        h.append(f"<div class='lbl'>metadata</div>{long_text(r['metadata_raw'], 600)}")
    if err:
        h.append(f"<p class='err'>error {esc(err.get('stage'))} / {esc(err.get('kind'))}: "
                 f"{esc(err.get('message'))}</p>")
        if r.get("forward_output") is None and r.get("backward_output") is None \
                and err.get("raw"):
            h.append(long_text(err.get("raw"), 600))
    h.append("</div></details>")
    return "".join(h)


def pairs_section(run_dir: Path, s: dict[str, Any], max_examples: int,
                  extra: Callable[[dict[str, Any]], str] | None = None,
                  raw_collapsed: bool = False) -> str:
    """The searchable pair browser with outcome, consistency, human and segment filters."""
    items: list[str] = []
    size = total = 0
    for r in iter_records(run_dir / "examples.jsonl"):
        total += 1
        if len(items) < max_examples and size < ITEM_BUDGET:
            items.append(pair_item(r, s, extra, raw_collapsed))
            size += len(items[-1])
    controls = filter_select("outcome", "outcome", list(_OUTCOME.items()))
    controls += filter_check("consistent", "0", "only position-inconsistent")
    if isinstance(s.get("judge_quality"), dict):
        controls += filter_check("agree", "0", "only where the judge disagrees with the human")
    controls += segment_filters(s.get("groups"))
    h = [f"<h2 id='pairs'>Pairs ({total})</h2>"]
    if len(items) < total:
        h.append(note(f"the first {len(items)} of {total} pairs are shown; all are in "
                      "examples.jsonl"))
    h.append(search_box("search pairs (prompt, responses, judge text)…", len(items), controls))
    h.append("<div id='examples-list'>" + "".join(items) + "</div>")
    return "".join(h)


def judge_page(run_dir: str | Path, out: str | Path | None = None, *,
               max_examples: int = MAX_EXAMPLES, kind: str = "pairwise judge",
               extra_cards: Callable[[dict[str, Any]], str] | None = None,
               sections: Callable[[Path, dict[str, Any]], list[tuple[str, str, str]]] | None = None,
               pair_extra: Callable[[dict[str, Any]], str] | None = None,
               raw_collapsed: bool = False) -> Path:
    """Write a judge report and return its path. ``extra_cards(summary)`` adds headline cards,
    ``sections(run_dir, summary)`` adds (anchor, link text, markup) sections before the
    segments, ``pair_extra(record)`` adds markup inside each pair after the responses;
    ``raw_collapsed`` folds the two passes' raw texts (long rubric YAML) under a summary."""
    run_dir = Path(run_dir)
    s, manifest = read_run(run_dir)
    out = Path(out) if out else run_dir / "report.html"
    title = run_title(run_dir)
    sub = (f"{esc(kind)} · task {esc(s.get('task'))} · judge <b>{esc(s.get('model'))}</b> · "
           f"dataset {esc(manifest.get('dataset'))} · seed {esc(s.get('seed'))} · "
           "B is compared against A")
    body = [verdict_section(s), headline_cards(s)]
    if extra_cards is not None:
        body.append(extra_cards(s))
    for w in s.get("warnings") or []:
        body.append(note(f"warning: {w}", "err"))
    body.append(figure_section(s, f"{title}: B vs A judged by {s.get('model')}"))
    toc = [("figure", "Summary figure")]
    if s.get("judge_quality"):
        body.append(quality_section(s))
        toc.append(("quality", "Judge quality"))
    for anchor, label, markup in (sections(run_dir, s) if sections else []):
        if markup:
            body.append(markup)
            toc.append((anchor, label))
    if s.get("groups"):
        body.append(segments_section(s))
        toc.append(("segments", "Segments"))
    body.append(pairs_section(run_dir, s, max_examples, pair_extra, raw_collapsed))
    toc.append(("pairs", "Pairs"))
    body.append(note(f"written by assay from {run_dir.name}/metrics.json and examples.jsonl",
                     "muted small"))
    out.write_text(page(title, body, toc=toc, subtitle=sub), encoding="utf-8")
    return out


def write_judge_report(run_dir: str | Path, out: str | Path | None = None, *,
                       max_examples: int = MAX_EXAMPLES) -> Path:
    """Write the HTML report of the llm_judge run in ``run_dir`` (``run_dir/report.html``
    unless ``out`` is given) and return its path."""
    return judge_page(run_dir, out, max_examples=max_examples)


