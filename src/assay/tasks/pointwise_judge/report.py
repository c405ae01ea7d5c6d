"""The HTML report of a pointwise judge run (``report.html``): the metrics with their 95% CIs
and counts, the label distribution of each metric, every group-by segment, and the examples
(prompt, reference, response, each metric's rating and explanation, the raw judge text).
Drawn from ``metrics.json`` and ``examples.jsonl`` only, so ``assay report`` redraws it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...reports.html_page import (bar, card, cards, ci_text, clip, esc, fmt, iter_records,
                                  long_text, note, page, read_run, run_title)

__all__ = ["write_pointwise_report", "MAX_EXAMPLES"]

#: examples shown in full (the rest are in examples.jsonl)
MAX_EXAMPLES = 200


def _name(metric: str, s: dict[str, Any]) -> str:
    return esc(metric) + (" <span class='muted'>(lower is better)</span>"
                          if s.get("lower_is_better") else "")


def _metric_rows(metrics: dict[str, Any], stats: dict[str, Any]) -> str:
    rows = []
    for metric in metrics:
        s = stats.get(metric) or {}
        rows.append(
            f"<tr><td>{_name(metric, metrics[metric])}</td><td>{fmt(s.get('value'), 3)}</td>"
            f"<td>{bar(s.get('value'), s.get('ci_low'), s.get('ci_high'))} "
            f"{ci_text(s.get('ci_low'), s.get('ci_high'))}</td>"
            f"<td>{esc(s.get('n'))}</td><td>{esc(s.get('n_not_applicable'))}</td>"
            f"<td>{esc(s.get('n_unparseable'))}</td>"
            f"<td>{esc((s.get('n_failed') or 0) + (s.get('n_skipped') or 0))}</td>"
            f"<td>{_weighted(s.get('weighted'))}</td><td>{_dispersion(s.get('samples'))}</td>"
            "</tr>")
    return ("<table><thead><tr><th>metric</th><th>mean (0-1)</th><th>95% CI</th>"
            "<th>scored</th><th>n/a</th><th>unparseable</th><th>failed / skipped</th>"
            "<th>weighted (G-Eval)</th><th>judge samples</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table>")


def _weighted(w: dict[str, Any] | None) -> str:
    if not w or not w.get("n"):
        return "<span class='muted'>-</span>"
    return (f"{fmt(w.get('value'), 3)} {ci_text(w.get('ci_low'), w.get('ci_high'))} "
            f"<span class='muted'>n = {esc(w.get('n'))}</span>")


def _dispersion(rel: dict[str, Any] | None) -> str:
    if not rel:
        return "<span class='muted'>-</span>"
    return (f"K = {esc(rel.get('k'))} · mean SD {fmt(rel.get('mean_sd'), 3)} · disagree "
            f"{fmt(rel.get('share_disagree'), 2)} · ICC {fmt(rel.get('icc'), 2)} · "
            f"{esc(rel.get('n_unparseable_samples'))} unparseable")


def _labels(metrics: dict[str, Any]) -> str:
    h = ["<h2 id='labels'>Ratings given</h2><div class='flex'>"]
    for metric, s in metrics.items():
        scale = s.get("scale_labels") or {}
        rows = "".join(f"<tr><td>{esc(label)}</td><td>{fmt(scale.get(label), 3)}</td>"
                       f"<td>{esc(n)}</td></tr>" for label, n in (s.get("labels") or {}).items())
        h.append(f"<div><h3>{_name(metric, s)}</h3><table><thead><tr><th>rating</th>"
                 f"<th>score</th><th>n</th></tr></thead><tbody>{rows}</tbody></table></div>")
    return "".join(h) + "</div>"


def _groups(metrics: dict[str, Any], groups: dict[str, Any]) -> str:
    h = ["<h2 id='groups'>By segment</h2>"]
    if not groups:
        h.append(note("no group-by field (set assay.group_by; a Bedrock category is used "
                      "whenever the rows have one)"))
    for field, segs in groups.items():
        h.append(f"<h3>by {esc(field)}</h3>")
        for seg, body in segs.items():
            h.append(f"<h4>{esc(seg)} <span class='muted'>n = {esc(body.get('n'))}</span></h4>")
            h.append(_metric_rows(metrics, body.get("metrics") or {}))
    return "".join(h)


def _examples(run_dir: Path, metrics: dict[str, Any]) -> str:
    h = ["<h2 id='examples'>Examples</h2>"]
    for i, rec in enumerate(iter_records(run_dir / "examples.jsonl")):
        if i >= MAX_EXAMPLES:
            h.append(note(f"only the first {MAX_EXAMPLES} examples are shown; all are in "
                          "examples.jsonl"))
            break
        ratings = rec.get("ratings") or {}
        scores = " · ".join(f"{m}: {fmt((ratings.get(m) or {}).get('score'), 2)}"
                            for m in metrics)
        parts = [f"<details><summary>#{esc(rec.get('index'))} {clip(rec.get('prompt'), 90)}"
                 f" <span class='muted'>{esc(scores)}</span></summary>",
                 "<h4>prompt</h4>", long_text(rec.get("prompt")),
                 "<h4>reference</h4>", long_text(rec.get("reference")),
                 "<h4>response</h4>", long_text(rec.get("response"))]
        for m in metrics:
            r = ratings.get(m) or {}
            extra = "" if r.get("weighted_score") is None else \
                f", weighted {fmt(r.get('weighted_score'), 3)}"
            if r.get("samples"):
                extra += (f", {esc(r.get('n_scored'))}/{esc(r.get('n_samples'))} samples, "
                          f"SD {fmt(r.get('sd'), 3)}: " + " ".join(
                              esc(x.get("label") or x.get("status")) for x in r["samples"]))
            parts.append(f"<h4>{esc(m)}: {esc(r.get('label'))} ({esc(r.get('status'))}, "
                         f"score {fmt(r.get('score'), 3)}{extra})</h4>")
            if r.get("problem"):
                parts.append(note(r["problem"]))
            parts.append(long_text(r.get("explanation")))
            parts.append("<p class='muted'>raw judge text</p>" + long_text(r.get("raw")))
        h.append("".join(parts) + "</details>")
    return "".join(h)


def _grader_line(s: dict[str, Any]) -> str:
    from ...judges.quality import embedded_grader_line

    return embedded_grader_line(s.get("embedded_judge"))


def write_pointwise_report(run_dir: Path) -> Path:
    run_dir = Path(run_dir)
    s, _manifest = read_run(run_dir)
    metrics = s.get("metrics") or {}
    head = [card(m, fmt(v.get("value"), 3), ci_text(v.get("ci_low"), v.get("ci_high")),
                 title="lower is better" if v.get("lower_is_better") else "")
            for m, v in metrics.items()]
    body = [cards(head, "mean normalised score (0 to 1) with 95% CI"),
            note(f"{s.get('n_examples')} examples · model {s.get('model')} · judge "
                 f"{s.get('judge_model')} · {s.get('n_errors')} failed · "
                 f"{s.get('n_unparseable')} with an unparseable rating"),
            *[note(w, "warn") for w in s.get("warnings") or []],
            *([note(_grader_line(s), "warn")] if _grader_line(s) else []),
            "<h2 id='metrics'>Metrics</h2>", _metric_rows(metrics, metrics),
            _labels(metrics), _groups(metrics, s.get("groups") or {}),
            _examples(run_dir, metrics)]
    out = run_dir / "report.html"
    out.write_text(page(run_title(run_dir, s.get("task")), body,
                        toc=[("metrics", "metrics"), ("labels", "ratings"),
                             ("groups", "segments"), ("examples", "examples")],
                        subtitle=esc(f"pointwise judge · {s.get('task')}")), encoding="utf-8")
    return out
