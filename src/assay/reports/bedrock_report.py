"""``assay report`` of Bedrock output files (downloaded from a Bedrock job, or written by
assay): one self-contained ``report.html`` with every metric's mean and 95% CI, the segments
(category; model and dataset when the path holds several) and the first examples with each
metric's score and the evaluator's explanation.

The page goes into a new folder, ``--out`` or the sibling ``<path>.assay-report``: nothing is
written inside the downloaded folder unless ``--out`` points there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..results.bedrock import read_bedrock_output
from ..results.bedrock_summary import summarise_bedrock
from .html_page import bar, card, cards, ci_text, clip, esc, fmt, long_text, note, page

__all__ = ["write_bedrock_report", "default_report_dir", "MAX_EXAMPLES"]

MAX_EXAMPLES = 200


def default_report_dir(path: str | Path) -> Path:
    """``<path>.assay-report`` beside the file or folder."""
    p = Path(path).resolve()
    return p.parent / f"{p.name}.assay-report"


def _name(metric: str, s: dict[str, Any]) -> str:
    return esc(metric) + (" <span class='muted'>(lower is better)</span>"
                          if s.get("lower_is_better") else "")


def _table(stats: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_name(m, s)}</td><td>{fmt(s.get('value'), 3)}</td>"
        f"<td>{bar(s.get('value'), s.get('ci_low'), s.get('ci_high'))} "
        f"{ci_text(s.get('ci_low'), s.get('ci_high'))}</td><td>{esc(s.get('n'))}</td>"
        f"<td>{esc(s.get('n_null'))}</td></tr>" for m, s in stats.items())
    return ("<table><thead><tr><th>metric</th><th>mean (0-1)</th><th>95% CI</th>"
            "<th>scored</th><th>null</th></tr></thead><tbody>" + rows + "</tbody></table>")


def _examples(records: list) -> str:
    h = ["<h2 id='examples'>Examples</h2>"]
    for i, r in enumerate(records):
        if i >= MAX_EXAMPLES:
            h.append(note(f"only the first {MAX_EXAMPLES} examples are shown; all are in the "
                          "output files"))
            break
        scores = " · ".join(f"{s.metric_name}: {fmt(s.result, 2)}" for s in r.scores)
        ref = r.input_record.get("referenceResponse")
        parts = [f"<details class='item'><summary><span class='idx'>#{i}</span>"
                 f"<span class='txt'>{clip(r.prompt, 90)} <span class='muted'>{esc(scores)}"
                 "</span></span></summary>",
                 "<div class='lbl'>prompt</div>", long_text(r.prompt, source=r.file),
                 "<div class='lbl'>reference</div>",
                 long_text(ref if isinstance(ref, str) else None, source=r.file),
                 "<div class='lbl'>response</div>", long_text(r.response, source=r.file)]
        for s in r.scores:
            d = s.evaluator_details[0] if s.evaluator_details else None
            who = f" · {d.model_identifier}" if d and d.model_identifier else ""
            parts.append(f"<h4>{esc(s.metric_name)}: {fmt(s.result, 3)}"
                         f"<span class='muted'>{esc(who)}</span></h4>")
            parts.append(long_text(d.explanation if d else None, source=r.file))
        h.append("".join(parts) + "</details>")
    return "".join(h)


def write_bedrock_report(path: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write ``report.html`` of the Bedrock outputs at ``path`` into ``out`` (default
    :func:`default_report_dir`); returns ``[report.html]``."""
    src = Path(path)
    records = read_bedrock_output(src)
    s = summarise_bedrock(records, src.resolve())
    d = Path(out) if out is not None else default_report_dir(src)
    if d.exists() and not d.is_dir():
        raise ConfigError("exists and is not a folder", file=d, field="--out")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder ({type(exc).__name__})", file=d,
                          field="--out") from None
    metrics = s["metrics"]
    head = [card(m, fmt(v.get("value"), 3), ci_text(v.get("ci_low"), v.get("ci_high")),
                 title="lower is better" if v.get("lower_is_better") else "")
            for m, v in metrics.items()]
    body = [cards(head, "mean score (0 to 1) with 95% CI"),
            note(f"{s['n_examples']} examples · model {s['model']} · judge "
                 f"{', '.join(s['judge_models']) or 'unknown'} · {len(s['files'])} output "
                 f"file(s) under {src.resolve()}"),
            "<h2 id='metrics'>Metrics</h2>", _table(metrics), "<h2 id='groups'>By segment</h2>"]
    if not s["groups"]:
        body.append(note("no category in the input records"))
    for field, segs in s["groups"].items():
        body.append(f"<h3>by {esc(field)}</h3>")
        for seg, doc in segs.items():
            body.append(f"<h4>{esc(seg)} <span class='muted'>n = {esc(doc['n'])}</span></h4>")
            body.append(_table(doc["metrics"]))
    body.append(_examples(records))
    title = records[0].job_name if records and records[0].job_name else src.resolve().name
    html_path = d / "report.html"
    html_path.write_text(page(f"Bedrock evaluation {title}", body,
                              toc=[("metrics", "metrics"), ("groups", "segments"),
                                   ("examples", "examples")],
                              subtitle=esc("Bedrock output files · per-metric means with "
                                           "95% CIs")), encoding="utf-8")
    return [html_path]
