"""The benchmark HTML report: built from mock-backend runs through the public API, checked for
its sections, every item, the embedded figure, escaping of model text, and ``assay report``."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import assay
from assay.tasks.benchmark.report import write_benchmark_report
from assay.runner.run import RunOptions

from ..conftest import ASSAY, ROOT

FIXTURES = ROOT / "tests" / "benchmarks" / "fixtures"
QUIET = RunOptions(progress="none", print_summary=False)
EVIL = "<script>alert(1)</script>"


def _recipe(tmp_path: Path, *, model: str = "mock/oracle", model_args: dict | None = None,
            subtask: str | None = None, **bench) -> dict:
    ev = {"task": "arc", "strategy": "zs", "metric": "accuracy"}
    if subtask:
        ev["subtask"] = subtask
    return {"run": {"name": "bench"}, "evaluation": ev,
            "inference": {"max_new_tokens": 32, "temperature": 0},
            "assay": {"model": model, "model_args": model_args or {},
                      "data": str(FIXTURES / "arc"), "output_dir": str(tmp_path / "runs"),
                      "benchmark": bench}}


class _Text(HTMLParser):
    """The visible text of a page (no style or script)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def _text(page: str) -> str:
    p = _Text()
    p.feed(page)
    return " ".join(p.parts)


def _ids(run_dir: Path) -> list[str]:
    return [json.loads(line)["id"] for line in
            (run_dir / "examples.jsonl").read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    """Challenger mock/constant answering B inside hostile markup, base mock/oracle."""
    tmp = tmp_path_factory.mktemp("bench_html")
    recipe = _recipe(tmp, model="mock/constant",
                     model_args={"text": f"{EVIL} <b>bold</b>\nAnswer: B"},
                     method="generate", base_model="mock/oracle", evaluate_base_model=True,
                     system_prompt="Be <i>brief</i> & exact")
    res = assay.evaluate(recipe, QUIET)
    assert (res.run_dir / "comparison.json").is_file()
    return res.run_dir


def test_comparison_report_sections(compared):
    page = write_benchmark_report(compared).read_text(encoding="utf-8")
    comp = json.loads((compared / "comparison.json").read_text(encoding="utf-8"))
    text = _text(page)
    assert comp["verdict"] in text and "id='verdict'" in page
    assert "Base vs challenger" in text and "mcnemar_exact" in text
    for sub in ("easy", "challenge"):
        assert f"<tr><td>{sub}</td>" in page          # subtask table and comparison table
    assert page.count("data:image/png;base64,") == 1
    assert "mock/constant" in text and "mock/oracle" in text
    assert "base extracted" in text and "only items where the models disagree" in text
    for item_id in _ids(compared):
        assert item_id in page
    # both runs' answers are shown, and items where they differ are flagged
    assert "data-disagree='1'" in page
    assert "<link" not in page and "src='http" not in page and 'src="http' not in page


def test_model_text_is_escaped(compared):
    page = write_benchmark_report(compared).read_text(encoding="utf-8")
    assert EVIL not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "Be &lt;i&gt;brief&lt;/i&gt; &amp; exact" in page
    assert page.count("<script>") == 1                 # only the report's own script
    assert EVIL in _text(page)                         # shown as text, not run


def test_single_run_loglikelihood(tmp_path):
    res = assay.evaluate(_recipe(tmp_path, subtask="easy"), QUIET)
    page = write_benchmark_report(res.run_dir).read_text(encoding="utf-8")
    text = _text(page)
    assert "Base vs challenger" not in text
    assert page.count("data:image/png") == 1 and "Calibration" in text   # reliability diagram
    assert "log-likelihood" in text and "loglikelihood × 6" in text
    assert "Subtasks (1)" in text and "id='f-dis'" not in page
    recs = [json.loads(line) for line in (res.run_dir / "examples.jsonl").read_text()
            .splitlines()]
    assert all(r["id"] in page for r in recs)
    assert f"{recs[0]['loglikelihoods'][0]:.3f}" in page
    assert "class='gold pred'" in page or "class='gold'" in page


def test_item_cap_note(tmp_path):
    res = assay.evaluate(_recipe(tmp_path), QUIET)
    ids = _ids(res.run_dir)
    out = write_benchmark_report(res.run_dir, tmp_path / "r.html", max_items=3)
    page = out.read_text(encoding="utf-8")
    assert page.count("<tbody class='item'") == 3
    assert f"the first 3 of {len(ids)} items are shown" in _text(page)
    browser = page[page.index("id='items-h'"):]    # the calibration lists name items too
    assert ids[0] in browser and ids[-1] not in browser


def test_assay_report_regenerates(compared):
    report, fig = compared / "report.html", compared / "comparison.png"
    for p in (report, fig):
        p.unlink(missing_ok=True)
    p = subprocess.run([*ASSAY, "report", str(compared)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert report.is_file() and fig.is_file()
    page = report.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 1
    text = _text(page)
    assert len(text) > 500 and "Items (10)" in text


@pytest.mark.parametrize("verdict,cls", [
    ("challenger is better (significant at 0.05)", "v-good"),
    ("base is better (significant at 0.05)", "v-bad"),
    ("no significant difference at 0.05", "v-none"),
    ("no verdict: no scored items in common", "v-none")])
def test_verdict_colour(verdict, cls):
    from assay.tasks.benchmark.report_parts import verdict_class

    assert verdict_class(verdict) == cls
