"""Console summaries: intervals shown as [lo, hi], and data-derived strings printed literally
(no Rich markup, no OSC-8 hyperlinks, no terminal control characters from the data)."""

from __future__ import annotations

import math
import re
from io import StringIO

import pytest
from rich.console import Console

from assay.tasks.benchmark.console import print_benchmark, print_comparison
from assay.reports.console import clean_text, print_summary, safe_markup

NAN = math.nan
LINK = "[link=https://evil.example]click[/link]"
HOSTILE = ["[/]", LINK, "[bold red]loud[/]", "tail\\",
           "\x1b]8;;https://evil.example\x07osc\x1b]8;;\x07",
           "\x1b[2Jclear", "\x9b2Jcsi", "bell\x07cr\r", "ok\ttab"]
_SGR = re.compile(r"\x1b\[[0-9;]*m")    # Rich's own styling


def _console() -> tuple[Console, StringIO]:
    buf = StringIO()
    return Console(file=buf, force_terminal=True, color_system="truecolor", width=250,
                   highlight=False), buf


def _metric(v, lo, hi, n=70, se=0.0):
    return {"value": v, "stderr": se, "ci_low": lo, "ci_high": hi, "n": n}


def _summary():
    seg = {"n": 10, "n_errors": 0,
           "metrics": {"em": _metric(0.0, 0.0, 0.0521, 10), "[link=https://evil.example]m[/link]":
                       _metric(0.5, 0.2, 0.8, 10, 0.1), "bleu": _metric(
                           100.00000000000004, 100.00000000000004, 100.00000000000004, 10)}}
    return {"n_examples": 70, "n_errors": 1,
            "errors_by_kind": {"postprocess:[/]Boom\x1b[2J": 1},
            "metrics": {"em": _metric(0.0, 0.0, 0.05202306241026694),
                        "[link=https://evil.example]m[/link]": _metric(0.5, 0.2, 0.8, se=0.1),
                        "bleu": _metric(100.00000000000004, 100.00000000000004,
                                        100.00000000000004),
                        "sum_metric": _metric(3.0, NAN, NAN)},
            "groups": {"[/]field": {s: seg for s in HOSTILE}}}


def _check_safe(out: str) -> None:
    assert "\x1b]8;" not in out                  # no OSC-8 hyperlink
    assert "\x9b" not in out and "\x07" not in out and "\r" not in out
    assert "\x1b" not in _SGR.sub("", out)       # the only escapes are Rich's own SGR styling
    assert "[link=https://evil.example]click[/link]" in _SGR.sub("", out)   # shown literally


def test_hostile_segment_and_metric_names_print_literally():
    console, buf = _console()
    print_summary(_summary(), title="run [/] · model[link=https://evil.example]x[/link]\x1b[2J",
                  console=console)
    out = buf.getvalue()
    _check_safe(out)
    text = _SGR.sub("", out)
    for literal in ("[/]field", "[bold red]loud[/]", "tail\\", "model[link=https://evil.example]x",
                    "[/]Boom[2J", "[2Jclear", "2Jcsi", "bellcr", "osc"):
        assert literal in text, literal


def test_stream_output_is_plain_and_does_not_crash():
    buf = StringIO()
    print_summary(_summary(), title="t", stream=buf)
    assert "\x1b" not in buf.getvalue() and "[/]field" in buf.getvalue()


def test_intervals_are_shown_as_bounds_not_half_widths():
    buf = StringIO()
    print_summary(_summary(), title="t", stream=buf)
    out = buf.getvalue()
    assert "±" not in out
    assert "[0.0000, 0.0520]" in out                    # asymmetric: 0 of 70
    assert "0.000 [0.00, 0.05]" in out                  # the segment cell
    assert "100.0 [100.0, 100.0]" in out                # perfect BLEU, no "±-0.0"
    row = next(line for line in out.splitlines() if "sum_metric" in line)
    assert "[-" not in row and " - " in row             # no interval: a dash


def _bench_summary():
    st = {"value": 0.25, "stderr": 0.1, "ci_low": 0.1, "ci_high": 0.5, "n": 4}
    return {"metric_names": ["acc", "[/]"], "methods": {"loglikelihood": 8},
            "benchmark": "arc[link=https://evil.example]b[/link]", "strategy": "zs",
            "num_fewshot": 0, "n_items": 8, "n_errors": 0,
            "overall": {"acc": st, "[/]": st},
            "subtasks": {s: {"n": 4, "n_errors": 0, "metrics": {"acc": st, "[/]": st}}
                         for s in ("[/]", LINK + "\x1b[2J")}}


def test_benchmark_tables_escape_data():
    console, buf = _console()
    print_benchmark(_bench_summary(), title="bench · m[/]\x1b]0;title\x07", console=console)
    c = {"n": 4, "base": 0.5, "challenger": 0.75, "difference": 0.25, "ci_low": -0.1,
         "ci_high": 0.6, "p_value": 0.5, "verdict": "no [/] difference", "test": "mcnemar_exact"}
    comparison = {"primary_metric": "acc[/]", "challenger_model": LINK, "base_model": "[/]base",
                  "metrics": {"acc[/]": {"overall": c, "subtasks": {LINK: c}}}}
    print_comparison(comparison, console=console)
    out = buf.getvalue()
    _check_safe(out)
    text = _SGR.sub("", out)
    for literal in ("m[/]", "arc[link=https://evil.example]b[/link]", "no [/] difference",
                    "[/]base", "acc[/]", "[0.100, 0.500]", "[-0.1000, 0.6000]"):
        assert literal in text, literal


def test_benchmarks_show_and_list_escape_registry_strings(monkeypatch, capsys):
    import assay.benchmarks as registry
    from assay.cli.benchmarks_cmd import benchmarks_command

    props = {"name": "evil[/]", "description": LINK + "\x1b[2J", "task_type": "[/]mc",
             "metrics": ["acc"], "strategy": "zs", "methods": ["loglikelihood"],
             "default_fewshot": 0, "citation": "[link=https://evil.example]c[/link]",
             "dataset_info": {"path": "x\x1b]8;;https://evil.example\x07y"},
             "subtasks": ["[/]s"], "num_samples": {"[/]s": 3}}
    monkeypatch.setattr(registry, "benchmark_names", lambda: ["evil[/]"])
    monkeypatch.setattr(registry, "get_benchmark_properties", lambda name: props)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert benchmarks_command("list", None) == 0
    assert benchmarks_command("show", "evil[/]") == 0
    out = capsys.readouterr().out
    _check_safe(out)
    text = _SGR.sub("", out)
    for literal in ("evil[/]", "[/]mc", "[link=https://evil.example]c[/link]", "[/]s (3)"):
        assert literal in text, literal


@pytest.mark.parametrize("raw, cleaned", [
    ("a\x1b[2Jb", "a[2Jb"), ("a\x9bb", "ab"), ("a\x00\x7fb", "ab"),
    ("keep\n\ttabs", "keep\n\ttabs"),
    ("ünïcode ✓", "ünïcode ✓"),
])
def test_clean_text(raw: str, cleaned: str) -> None:
    assert clean_text(raw) == cleaned


def test_safe_markup_renders_literally():
    console, buf = _console()
    console.print(f"[bold]{safe_markup(LINK)}[/bold] {safe_markup('[/]')}")
    out = _SGR.sub("", buf.getvalue())
    assert LINK in out and "[/]" in out and "\x1b]8;" not in buf.getvalue()
