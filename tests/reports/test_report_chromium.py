"""SEC-2 in a real browser: hostile model and dataset text in a run does not execute when the
HTML report is opened in headless Chromium (Debian's ``chromium``, installed by ``make``'s
set-up; see README). On CI the browser is required; elsewhere the test skips without it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assay.cli.app import main
from tests.conftest import write_jsonl, write_recipe

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

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


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is required on CI: `make install` installs it from Debian")
        pytest.skip("chromium not installed (make install sets it up from Debian)")
    return found


def _browse(page: Path, tmp: Path) -> tuple[str, str]:
    """The DOM after scripts ran, and the browser's log (console messages included)."""
    exe = _chromium()
    args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", f"--user-data-dir={tmp / 'chrome-profile'}",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"]
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = subprocess.run([*args, f"--screenshot={tmp / 'report.png'}", "--window-size=1280,1600",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and (tmp / "report.png").stat().st_size > 10_000
    return dom.stdout, dom.stderr


def _assert_inert(dom: str, log: str) -> None:
    assert "<body" in dom, "the page did not load"
    opening = re.search(r"<html[^>]*>", dom).group(0)
    assert "data-pwned" not in opening, f"hostile text executed: {opening}"
    console = [ln for ln in log.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert not console, console
    # the text is shown, as text
    assert "data-pwned" in dom and "&lt;script&gt;" in dom


def test_gen_qa_report_does_not_run_hostile_text(tmp_path, capsys):
    rows = [{"query": h, "response": HOSTILE[(i + 1) % len(HOSTILE)],
             "metadata": json.dumps({"seg": HOSTILE[(i + 2) % len(HOSTILE)]})}
            for i, h in enumerate(HOSTILE * 2)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    assert main(["run", str(recipe), "--data", str(data), "--output-dir", str(tmp_path / "out"),
                 "-m", "mock/echo", "--group-by", "seg", "--quiet"]) == 0
    assert main(["report", str(tmp_path / "out" / "t")]) == 0
    page = tmp_path / "out" / "t" / "report.html"
    capsys.readouterr()
    dom, log = _browse(page, tmp_path)
    _assert_inert(dom, log)


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
    page = tmp_path / "out" / "b" / "report.html"
    assert page.exists()
    capsys.readouterr()
    dom, log = _browse(page, tmp_path)
    opening = re.search(r"<html[^>]*>", dom).group(0)
    assert "data-pwned" not in opening
    assert not [ln for ln in log.splitlines() if "Uncaught" in ln]
