"""The HTML reports in a real browser (headless Chromium, Debian's ``chromium``, installed by
``make``'s set-up; see README): for each report kind (gen_qa, llm_judge, rubric_llm_judge,
benchmark) hostile model and dataset text does not execute (SEC-2), the page logs no console
error, and the search filter works when driven by the address (``#q=term``): the examples that
match are shown, the others hidden. A run with 300 one-megabyte responses gives a page under
5 MB that Chromium renders in under 10 s. On CI the browser is required; elsewhere the tests
skip without it. ``ASSAY_REPORT_SHOTS=DIR`` keeps each report's screenshot in DIR, to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from assay.cli.app import main
from tests.conftest import write_jsonl, write_recipe

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

PWN = "document.documentElement.setAttribute('data-pwned','{n}')"
HOSTILE = [
    f"<script>{PWN.format(n=1)}</script>",
    f"<img src=x onerror=\"{PWN.format(n=2)}\">",
    f"\"><svg onload=\"{PWN.format(n=3)}\">",
    f"</pre></details><script>{PWN.format(n=4)}</script>",
    f"</textarea></style></script><script>{PWN.format(n=5)}</script>",
    f"<a href=\"javascript:{PWN.format(n=6)}\">x</a>",
    f"<iframe srcdoc=\"<script>parent.{PWN.format(n=7)}</script>\"></iframe>",
]
TERM = "zebra"
"""A word only some examples contain: the search filter must keep exactly those."""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is required on CI: `make install` installs it from Debian")
        pytest.skip("chromium not installed (make install sets it up from Debian)")
    return found


def _args(tmp: Path) -> list[str]:
    return [_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", f"--user-data-dir={tmp / 'chrome-profile'}",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"]


def _dump(page: Path, tmp: Path, fragment: str = "") -> tuple[str, str, float]:
    """The DOM after scripts ran, the browser's log (console messages included) and the
    seconds Chromium took, for ``page`` opened at ``#fragment``."""
    url = page.as_uri() + (f"#{fragment}" if fragment else "")
    start = time.perf_counter()
    dom = subprocess.run([*_args(tmp), "--dump-dom", url], capture_output=True, text=True,
                         timeout=120)
    seconds = time.perf_counter() - start
    assert dom.returncode == 0, dom.stderr[-2000:]
    return dom.stdout, dom.stderr, seconds


def _browse(page: Path, tmp: Path, fragment: str = "", name: str = "report") -> tuple[str, str]:
    """The DOM and log of ``page`` at ``#fragment``, and a screenshot of it (kept in
    ``$ASSAY_REPORT_SHOTS`` when set)."""
    dom, log, _ = _dump(page, tmp, fragment)
    png = tmp / f"{name}.png"
    shot = subprocess.run([*_args(tmp), f"--screenshot={png}", "--hide-scrollbars",
                           "--window-size=1280,1800", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and png.stat().st_size > 10_000
    if os.environ.get("ASSAY_REPORT_SHOTS"):
        keep = Path(os.environ["ASSAY_REPORT_SHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, keep / png.name)
    return dom, log


def _assert_inert(dom: str, log: str) -> None:
    assert "<body" in dom, "the page did not load"
    opening = re.search(r"<html[^>]*>", dom).group(0)
    assert "data-pwned" not in opening, f"hostile text executed: {opening}"
    console = [ln for ln in log.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert not console, console
    # the text is shown, as text
    assert "data-pwned" in dom and "&lt;script&gt;" in dom


class _Items(HTMLParser):
    """Each example element of a dumped page (class ``item``): its data-id and whether the
    page hid it; and the count the page shows."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, bool] = {}
        self.shown_count: str | None = None
        self._in_shown = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "item" in (a.get("class") or "").split() and "data-id" in a:
            self.hidden[a["data-id"]] = "hidden" in a
        self._in_shown = a.get("id") == "shown"

    def handle_data(self, data):
        if self._in_shown:
            self.shown_count = data.strip()
            self._in_shown = False


def _assert_filtered(dom: str, matching: set[str], every: set[str]) -> None:
    """The page opened at ``#q=TERM`` shows exactly the examples that contain the term."""
    assert matching and matching < every, "the test data must have both kinds"
    p = _Items()
    p.feed(dom)
    assert set(p.hidden) == every
    assert {i for i, hidden in p.hidden.items() if not hidden} == matching
    assert p.shown_count == str(len(matching))
    assert re.search(r'id="q"[^>]*>', dom)   # the search box is there (its value is the term)


def _ids(run: Path, having: str | None = None) -> set[str]:
    recs = [json.loads(line) for line in (run / "examples.jsonl").read_text().splitlines()]
    return {r["id"] for r in recs if having is None or having in json.dumps(r)}


def test_gen_qa_report_does_not_run_hostile_text(tmp_path, capsys):
    rows = [{"query": h + (f" {TERM}" if i % 4 == 0 else ""),
             "response": HOSTILE[(i + 1) % len(HOSTILE)],
             "metadata": json.dumps({"seg": HOSTILE[(i + 2) % len(HOSTILE)]})}
            for i, h in enumerate(HOSTILE * 2)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    assert main(["run", str(recipe), "--data", str(data), "--output-dir", str(tmp_path / "out"),
                 "-m", "mock/echo", "--group-by", "seg", "--top-logprobs", "3",
                 "--quiet"]) == 0
    assert main(["report", str(tmp_path / "out" / "t")]) == 0
    run = tmp_path / "out" / "t"
    capsys.readouterr()
    dom, log = _browse(run / "report.html", tmp_path, f"q={TERM}", "gen_qa")
    _assert_inert(dom, log)
    _assert_filtered(dom, _ids(run, TERM), _ids(run))
    # the calibration section (hostile predictions in its example lists) and its diagram
    section = dom[dom.index('id="calibration"'):]
    assert re.search(r'<img[^>]+src="data:image/png;base64,', section)
    assert "&lt;script&gt;" in section[:section.index('id="examples"')
                                       if 'id="examples"' in section else len(section)]


def _pairs(tmp: Path) -> Path:
    """Twelve pairs full of hostile text, a third of them mentioning TERM, with human labels
    and a hostile metadata field to group by."""
    n = len(HOSTILE)
    return write_jsonl(tmp / "pairs.jsonl", [
        {"id": f"p{i:02d}", "prompt": HOSTILE[i % n] + (f" {TERM}?" if i % 3 == 0 else ""),
         "response_A": HOSTILE[(i + 1) % n], "response_B": HOSTILE[(i + 2) % n],
         **({"label": ["A>B", "B>A", "A=B"][i % 3]} if i % 5 else {}),
         "metadata": json.dumps({"seg": HOSTILE[i % 2]})} for i in range(12)])


def _judge_run(tmp: Path, task: str, texts: dict[str, str]) -> Path:
    """A judge run with the scripted judge answering ``texts[<pair id>:<pass>]``."""
    script = write_jsonl(tmp / "judge.jsonl", [{"id": k, "text": v} for k, v in texts.items()])
    name = "j" if task == "llm_judge" else "r"
    recipe = tmp / f"{name}.yaml"
    recipe.write_text(f"run:\n  name: {name}\nevaluation:\n  task: {task}\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 64\nassay:\n  seed: 3\n")
    assert main(["run", str(recipe), "--data", str(_pairs(tmp)), "--judge", "mock/script",
                 "-J", f"file={script}", "--output-dir", str(tmp / "out"), "--group-by", "seg",
                 "--quiet", "--allow-failures"]) == 0
    return tmp / "out" / name


def test_judge_report_does_not_run_hostile_text(tmp_path, capsys):
    n = len(HOSTILE)
    verdicts = ["[[A>B]]", "[[B>A]]", "[[A=B]]"]
    texts = {}
    for i in range(12):
        fwd = verdicts[i % 3] if i != 4 else "no verdict at all"
        bwd = {"[[A>B]]": "[[B>A]]", "[[B>A]]": "[[A>B]]"}.get(fwd, fwd) if i % 4 else fwd
        texts[f"p{i:02d}:forward"] = f"{HOSTILE[(i + 3) % n]} so {fwd}"
        texts[f"p{i:02d}:backward"] = f"{HOSTILE[(i + 4) % n]} so {bwd}"
    run = _judge_run(tmp_path, "llm_judge", texts)
    assert main(["report", str(run)]) == 0
    capsys.readouterr()
    page = run / "report.html"
    assert (run / "judge_summary.png").is_file()
    text = page.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 1 and "<img src=" not in text
    dom, log = _browse(page, tmp_path, f"q={TERM}", "judge")
    _assert_inert(dom, log)
    _assert_filtered(dom, _ids(run, TERM), _ids(run))
    for shown in ("Judge quality vs human labels", "forward pass", "backward pass",
                  "reconciled outcome", "human label", "unparseable"):
        assert shown in dom
    # a filter control is driven by the address too: only the failed pairs
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    dom, log, _ = _dump(page, tmp_path, "outcome=error")
    _assert_filtered(dom, {r["id"] for r in recs if r["outcome"] == "error"}, _ids(run))


def _rubric_yaml(i: int, first: str, second: str) -> str:
    """A valid rubric judgment whose free text is hostile (JSON strings are YAML strings)."""
    n = len(HOSTILE)
    a, b = 1 + i % 5, 1 + (i * 3) % 5
    label = "[[A>B]]" if a > b else ("[[B>A]]" if b > a else "[[A=B]]")
    q = json.dumps
    return "\n".join([
        "```yaml", "criteria:",
        "  accuracy:", f"    description: {q(HOSTILE[i % n])}", "    type: scale",
        "    weight: 0.6", f"    score_A: {a}", f"    score_B: {b}",
        f"    justification_A: {q(first)}", f"    justification_B: {q(second)}",
        f"  {q(HOSTILE[1])}:", "    description: a hostile criterion name", "    type: binary",
        "    weight: 0.4", f"    score_A: {'true' if i % 2 else 'false'}", "    score_B: true",
        "    justification_A: a", "    justification_B: b",
        f"overall_justification: {q(HOSTILE[(i + 2) % n])}", f"label: {q(label)}", "```"])


def test_rubric_report_does_not_run_hostile_text(tmp_path, capsys):
    n = len(HOSTILE)
    texts = {}
    for i in range(12):
        texts[f"p{i:02d}:forward"] = _rubric_yaml(i, HOSTILE[(i + 5) % n], HOSTILE[(i + 6) % n])
        texts[f"p{i:02d}:backward"] = (_rubric_yaml(i, HOSTILE[(i + 6) % n], HOSTILE[i % n])
                                       if i != 7 else HOSTILE[0] + " not yaml")
    run = _judge_run(tmp_path, "rubric_llm_judge", texts)
    assert main(["rubric", "reweight", str(run), "--weight", "accuracy=0.9"]) == 0
    assert main(["report", str(run)]) == 0
    capsys.readouterr()
    page = run / "report.html"
    text = page.read_text(encoding="utf-8")
    # the six panels, calibration and criteria figures, all inline
    assert text.count("data:image/png;base64,") == 3 and "<img src=" not in text
    dom, log = _browse(page, tmp_path, f"q={TERM}", "rubric")
    _assert_inert(dom, log)
    _assert_filtered(dom, _ids(run, TERM), _ids(run))
    for shown in ("Calibration against human labels", "Criteria", "Reweighted results",
                  "accuracy=0.9", "weighted A", "justification A", "rationale"):
        assert shown in dom


def test_benchmark_report_does_not_run_hostile_text(tmp_path, capsys):
    fixtures = Path(__file__).resolve().parents[1] / "benchmarks" / "fixtures"
    arc = next(p for p in fixtures.rglob("*") if p.is_dir() and p.name.lower().startswith("arc"))
    recipe = tmp_path / "b.yaml"
    recipe.write_text("run:\n  name: b\nevaluation:\n  task: arc_easy\ninference:\n"
                      "  max_new_tokens: 8\n")
    system = HOSTILE[0] + HOSTILE[1]
    assert main(["run", str(recipe), "--data", str(arc.parent), "-m", "mock/echo",
                 "--system-prompt", system, "--method", "generate",
                 "--output-dir", str(tmp_path / "out"), "--quiet", "--allow-failures"]) == 0
    run = tmp_path / "out" / "b"
    page = run / "report.html"
    assert page.exists()
    capsys.readouterr()
    every = _ids(run)
    target = sorted(every)[0]
    assert _ids(run, target) == {target}
    dom, log = _browse(page, tmp_path, f"q={quote(target)}", "benchmark")
    _assert_inert(dom, log)
    _assert_filtered(dom, {target}, every)


def test_huge_responses_give_a_small_page_that_renders_fast(tmp_path, capsys):
    """300 responses of 1 MB each: the page stays under 5 MB (texts cut at 2,000 characters,
    the full text kept in examples.jsonl) and Chromium renders it in under 10 s."""
    from assay.tasks.gen_qa.report import write_gen_qa_report

    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "gold"}])
    assert main(["run", str(write_recipe(tmp_path / "r.yaml")), "--data", str(data),
                 "--output-dir", str(tmp_path / "out"), "-m", "mock/echo", "--quiet"]) == 0
    run = tmp_path / "out" / "t"
    capsys.readouterr()
    rec = json.loads((run / "examples.jsonl").read_text(encoding="utf-8").splitlines()[0])
    big = ("lorem ipsum <b>dolor</b> " * 45_000)[:1_000_000]
    with (run / "examples.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(300):
            fh.write(json.dumps(dict(rec, index=i, id=f"{i:06d}-big", query=f"question {i}",
                                     prediction=big)) + "\n")
    page = write_gen_qa_report(run)
    size = page.stat().st_size
    assert size < 5_000_000, size
    text = page.read_text(encoding="utf-8")
    assert text.count("… truncated, 1,000,000 characters; full text in examples.jsonl") == 300
    _chromium()
    dom, log, seconds = _dump(page, tmp_path)
    print(f"page {size / 1e6:.2f} MB, Chromium {seconds:.2f} s")
    assert seconds < 10, seconds
    assert dom.count("class=\"item\"") == 300
    assert not [ln for ln in log.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
