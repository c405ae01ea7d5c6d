"""The HTML report of a rubric judge run (task ``rubric_llm_judge``, ``report.html``):
everything of the pairwise judge report (:mod:`assay.tasks.pairwise_judge.report`), plus the weighted
scores A and B and their margin, calibration against human labels (by |margin| bucket and a
reliability diagram), criterion score distributions, the reweighted results written by
``assay rubric reweight`` (``reweighted/<tag>/``) when there are any, and for each pair the
criteria breakdown (description, weight, type, scores A and B, justifications) and the judge's
overall rationale. Figures are drawn inline; text is escaped and long texts cut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...reports.html_page import (card, cards, ci_text, clip, esc, figure_img, fmt, long_text, note, pct,
                        read_json)
from ..pairwise_judge.report import MAX_EXAMPLES, judge_page

__all__ = ["write_rubric_report", "MAX_EXAMPLES"]

_SIGN = "margin = weighted score A − weighted score B; above 0 means A is better"


def _pm(stderr: Any, d: int = 3) -> str:
    return f"± {fmt(stderr, d)}" if fmt(stderr) != "–" else ""


def _rubric_cards(s: dict[str, Any]) -> str:
    f, c = s.get("flat") or {}, s.get("counts") or {}
    r = s.get("rubric") or {}
    parts = [card("weighted score A", fmt(f.get("weighted_score_A"), 3),
                  _pm(f.get("weighted_score_A_stderr"))),
             card("weighted score B", fmt(f.get("weighted_score_B"), 3),
                  _pm(f.get("weighted_score_B_stderr"))),
             card("score margin (A − B)", fmt(f.get("score_margin"), 3),
                  _pm(f.get("score_margin_stderr")), title=_SIGN),
             card("both bad", esc(c.get("bothbad", 0)), "label [[A=B (bothbad)]]"),
             card("pairs scored", esc(r.get("n_scored")), "with a criteria breakdown")]
    return cards(parts, "rubric scores (0 to 1; mean ± stderr)")


def _calibration(run_dir: Path, s: dict[str, Any]) -> str:
    from .figures import write_calibration_figure

    r = s.get("rubric") or {}
    cal = r.get("calibration") if isinstance(r.get("calibration"), dict) else None
    h = ["<h2 id='calibration'>Calibration against human labels</h2>"]
    if cal is None:
        h.append(note("no human labels in the data: calibration cannot be assessed"))
        return "".join(h)
    rel = cal.get("reliability") if isinstance(cal.get("reliability"), dict) else {}
    h.append(f"<p class='muted'>Does a larger score margin mean the judge is more often right? "
             f"ECE {fmt(rel.get('ece'), 3)} · Brier {fmt(rel.get('brier'), 3)} over "
             f"{esc(rel.get('n'))} labelled pairs (human ties: {esc(rel.get('ties'))}). "
             f"{esc(_SIGN)}.</p>")
    h.append(figure_img(lambda p: write_calibration_figure(cal.get("buckets"), rel, p),
                        "judge accuracy by score-margin bucket and reliability diagram"))
    h.append("<div class='flex'><div><h3>Accuracy by |margin|</h3><table><thead><tr>"
             "<th>|margin|</th><th>n</th><th>judge agrees</th><th>95% CI</th>"
             "<th>mean |margin|</th></tr></thead><tbody>")
    for b in cal.get("buckets") or []:
        if isinstance(b, dict):
            h.append(f"<tr><td>[{fmt(b.get('lo'), 2)}, {fmt(b.get('hi'), 2)})</td>"
                     f"<td>{esc(b.get('n'))}</td><td class='num'>{pct(b.get('accuracy'))}</td>"
                     f"<td class='num'>{ci_text(b.get('acc_lo'), b.get('acc_hi'), percent=True)}"
                     f"</td><td class='num'>{fmt(b.get('mean_abs_margin'), 3)}</td></tr>")
    h.append("</tbody></table></div><div><h3>Reliability</h3><table><thead><tr>"
             "<th>P(A better)</th><th>n</th><th>mean predicted</th><th>observed</th>"
             "<th>gap</th></tr></thead><tbody>")
    for b in rel.get("bins") or []:
        if isinstance(b, dict):
            h.append(f"<tr><td>[{fmt(b.get('lo'), 1)}, {fmt(b.get('hi'), 1)})</td>"
                     f"<td>{esc(b.get('n'))}</td><td class='num'>{fmt(b.get('mean_predicted'), 3)}"
                     f"</td><td class='num'>{fmt(b.get('observed'), 3)}</td>"
                     f"<td class='num'>{fmt(b.get('gap'), 3)}</td></tr>")
    h.append("</tbody></table></div></div>")
    return "".join(h)


def _criteria(run_dir: Path, s: dict[str, Any]) -> str:
    from .figures import write_criteria_figure

    r = s.get("rubric") or {}
    dist = r.get("distributions") if isinstance(r.get("distributions"), dict) else {}
    h = ["<h2 id='criteria'>Criteria</h2><p class='muted'>The judge writes its own criteria per "
         "prompt; criteria with the same name are pooled here. Scale criteria score 1 to 5, "
         "binary ones yes or no (mean is the share of yes).</p>"]
    if not dist:
        h.append(note("no criteria breakdowns in this run"))
        return "".join(h)
    h.append(figure_img(lambda p: write_criteria_figure(dist, r.get("margin_histogram"), p),
                        "criterion score distributions for A and B, and score margins"))
    h.append("<table><thead><tr><th>criterion</th><th>type</th><th>pairs</th>"
             "<th>mean weight</th><th>mean A</th><th>mean B</th><th>B − A</th>"
             "<th>missing A / B</th></tr></thead><tbody>")
    for name, d in dist.items():
        if not isinstance(d, dict):
            continue
        a, b = d.get("mean_A"), d.get("mean_B")
        diff = (b - a) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        h.append(f"<tr><td class='wrapcol'>{clip(name, 80)}</td><td>{esc(d.get('type'))}</td>"
                 f"<td>{esc(d.get('n'))}</td><td class='num'>{fmt(d.get('mean_weight'), 2)}</td>"
                 f"<td class='num'>{fmt(a, 2)}</td><td class='num'>{fmt(b, 2)}</td>"
                 f"<td class='num'>{fmt(diff, 2)}</td><td>{esc(d.get('n_missing_A'))} / "
                 f"{esc(d.get('n_missing_B'))}</td></tr>")
    h.append("</tbody></table>")
    return "".join(h)


def _reweighted(run_dir: Path, s: dict[str, Any]) -> str:
    """The original scores and every ``reweighted/<tag>/metrics.json`` beside them."""
    folder = run_dir / "reweighted"
    found = [(p.parent.name, m) for p in sorted(folder.glob("*/metrics.json"))
             if (m := read_json(p)) is not None] if folder.is_dir() else []
    if not found:
        return ""
    f0 = s.get("flat") or {}
    h = ["<h2 id='reweighted'>Reweighted results</h2><p class='muted'>Scores recomputed from "
         "the saved criteria by <code>assay rubric reweight</code>, without calling the judge; "
         "the preference is the sign of the margin, its win rate is B's.</p><div class='scroll'>"
         "<table><thead><tr><th>version</th><th>weights</th><th>dropped</th>"
         "<th>weighted A</th><th>weighted B</th><th>margin (A − B)</th>"
         "<th>A / B / tie / error</th><th>win rate of B [95% CI]</th><th>verdict</th>"
         "<th>missing criteria</th></tr></thead><tbody>",
         f"<tr><td>original</td><td>as judged</td><td>–</td>"
         f"<td class='num'>{fmt(f0.get('weighted_score_A'), 3)}</td>"
         f"<td class='num'>{fmt(f0.get('weighted_score_B'), 3)}</td>"
         f"<td class='num'>{fmt(f0.get('score_margin'), 3)}</td><td>–</td><td>–</td>"
         f"<td>–</td><td>–</td></tr>"]
    for tag, m in found:
        f = m.get("flat") or {}
        c = m.get("margin_preference_counts") or {}
        weights = ", ".join(f"{k}={v}" for k, v in (m.get("weights") or {}).items()) or "as judged"
        missing = ", ".join(f"{k} ({len(v)})" for k, v in (m.get("missing") or {}).items()
                            if isinstance(v, list)) or "–"
        dropped = ", ".join(map(str, m.get("drop") or [])) or "–"
        h.append(f"<tr><td>{esc(tag)}</td><td class='wrapcol'>{esc(weights)}</td>"
                 f"<td class='wrapcol'>{esc(dropped)}</td>"
                 f"<td class='num'>{fmt(f.get('weighted_score_A'), 3)}</td>"
                 f"<td class='num'>{fmt(f.get('weighted_score_B'), 3)}</td>"
                 f"<td class='num'>{fmt(f.get('score_margin'), 3)}</td>"
                 f"<td>{esc(c.get('A'))} / {esc(c.get('B'))} / {esc(c.get('tie'))} / "
                 f"{esc(c.get('error'))}</td><td class='num'>{pct(f.get('margin_winrate'))} "
                 f"{ci_text(f.get('margin_lower_rate'), f.get('margin_upper_rate'), percent=True)}"
                 f"</td><td>{esc(m.get('margin_verdict'))}</td><td class='wrapcol'>"
                 f"{esc(missing)}</td></tr>")
    h.append("</tbody></table></div>")
    return "".join(h)


def _score(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return fmt(v, 0) if isinstance(v, (int, float)) and float(v).is_integer() else fmt(v, 2)


def _breakdown(r: dict[str, Any]) -> str:
    """Per pair: weighted scores, margin, label, the criteria table and the rationale."""
    h = ["<div class='lbl'>rubric</div><p>"
         f"weighted A <b>{fmt(r.get('weighted_score_a'), 3)}</b> · weighted B "
         f"<b>{fmt(r.get('weighted_score_b'), 3)}</b> · margin (A − B) "
         f"<b>{fmt(r.get('score_margin'), 3)}</b> · judge label <b>{esc(r.get('label'))}</b>"
         + (" · <span class='err'>both bad</span>" if r.get("bothbad") else "") + "</p>"]
    bd = r.get("criteria_breakdown")
    if isinstance(bd, dict) and bd:
        h.append("<div class='scroll'><table class='crit'><colgroup><col style='width:15%'>"
                 "<col style='width:20%'><col style='width:7%'><col style='width:7%'>"
                 "<col style='width:4%'><col style='width:4%'><col style='width:21.5%'>"
                 "<col style='width:21.5%'></colgroup><thead><tr><th>criterion</th>"
                 "<th>description</th><th>type</th><th class='r'>weight</th><th class='r'>A</th>"
                 "<th class='r'>B</th>"
                 "<th>justification A</th><th>justification B</th></tr></thead><tbody>")
        for name, c in bd.items():
            c = c if isinstance(c, dict) else {}
            h.append(f"<tr><td class='j'><b>{clip(name, 80)}</b></td>"
                     f"<td class='j'>{esc(_cut(c.get('description')))}</td>"
                     f"<td>{esc(c.get('type'))}</td><td class='r num'>{fmt(c.get('weight'), 2)}"
                     f"</td><td class='r num'>{_score(c.get('score_A'))}</td>"
                     f"<td class='r num'>{_score(c.get('score_B'))}</td>"
                     f"<td class='j'>{esc(_cut(c.get('justification_A')))}</td>"
                     f"<td class='j'>{esc(_cut(c.get('justification_B')))}</td></tr>")
        h.append("</tbody></table></div>")
    if r.get("overall_justification"):
        h.append(f"<div class='lbl'>rationale (overall justification)</div>"
                 f"{long_text(r.get('overall_justification'))}")
    for n in r.get("notes") or []:
        h.append(note(f"note: {n}", "muted small"))
    return "".join(h)


def _cut(text: Any, limit: int = 600) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[:limit] + f" … (truncated, {len(s):,} characters)"


def _sections(run_dir: Path, s: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [("calibration", "Calibration", _calibration(run_dir, s)),
            ("criteria", "Criteria", _criteria(run_dir, s)),
            ("reweighted", "Reweighted", _reweighted(run_dir, s))]


def write_rubric_report(run_dir: str | Path, out: str | Path | None = None, *,
                        max_examples: int = MAX_EXAMPLES) -> Path:
    """Write the HTML report of the rubric_llm_judge run in ``run_dir``
    (``run_dir/report.html`` unless ``out`` is given) and return its path."""
    return judge_page(run_dir, out, max_examples=max_examples, kind="rubric judge",
                      extra_cards=_rubric_cards, sections=_sections, pair_extra=_breakdown,
                      raw_collapsed=True)
