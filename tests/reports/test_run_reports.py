"""The four HTML reports from real run directories (mock backends, no browser): what each
shows, that figures are inline, that long texts are cut, and ``assay report``'s dispatch by
task. The browser checks (SEC-2, console, search) are in test_report_chromium.py."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

import assay.reports
from assay.cli.app import main
from assay.tasks import report_run
from assay.tasks.gen_qa.report import write_gen_qa_report, write_html_report
from assay.tasks.pairwise_judge.report import write_judge_report
from assay.tasks.rubric_judge.report import write_rubric_report
from tests.conftest import write_jsonl, write_recipe
from tests.tasks.test_golden_outputs import _rubric_yaml

pytestmark = pytest.mark.timeout(300)

PROC = Path(__file__).resolve().parents[1] / "runner" / "procs" / "ticket_metrics.py"
CLASSES = ["Billing_Issue", "Software_Bug", "Account_Access"]


def _cards(page: str) -> list[str]:
    return re.findall(r"<div class='card'[^>]*><span class='k'>([^<]*)</span>", page)


def _pairs(tmp: Path, n: int = 12, long: int = 0) -> Path:
    return write_jsonl(tmp / "p.jsonl", [
        {"prompt": f"prompt {i}", "response_A": f"answer a{i} " + "a" * long,
         "response_B": f"answer b{i} " + "b" * long,
         **({"label": ["A>B", "B>A", "A=B"][i % 3]} if i % 4 else {}),
         "metadata": json.dumps({"d": "xy"[i % 2]})} for i in range(n)])


def _judge(tmp: Path, task: str, texts: list[str], **kw) -> Path:
    script = write_jsonl(tmp / "s.jsonl", [{"index": i, "text": t} for i, t in enumerate(texts)])
    name = "j" if task == "llm_judge" else "r"
    recipe = tmp / f"{name}.yaml"
    recipe.write_text(f"run:\n  name: {name}\nevaluation:\n  task: {task}\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 32\nassay:\n  seed: 3\n")
    main(["run", str(recipe), "--data", str(_pairs(tmp, len(texts), **kw)), "--judge",
          "mock/script", "-J", f"file={script}", "--output-dir", str(tmp / "out"),
          "--group-by", "d", "--quiet", "--allow-failures"])
    return tmp / "out" / name


@pytest.fixture(scope="module")
def judge_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("judge")
    texts = ["A is better. [[A>B]]", "B. [[B>A]]", "same [[A=B]]", "no verdict here"]
    return _judge(tmp, "llm_judge", [texts[(i * 7) % 4] for i in range(12)])


@pytest.fixture(scope="module")
def rubric_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("rubric")
    run = _judge(tmp, "rubric_llm_judge", [_rubric_yaml(i) for i in range(12)])
    assert main(["rubric", "reweight", str(run), "--weight", "accuracy=0.9", "--drop",
                 "concise"]) == 0
    return run


def test_public_names():
    for name in assay.reports.__all__:
        assert callable(getattr(assay.reports, name)), name
    assert write_html_report is write_gen_qa_report
    from assay.reports import html_page
    for name in html_page.__all__:
        assert hasattr(html_page, name), name


def test_gen_qa_cards_and_segments(tmp_path, capsys):
    """Processor and scorer metrics are headline cards; a field with 12 segments becomes
    tables of at most five segments each (no sideways scrolling)."""
    rows = [{"query": f"ticket {i}", "response": json.dumps({"class": CLASSES[i % 3]}),
             "metadata": json.dumps({"level": "ab"[i % 2], "shop": f"shop-{i % 12}"})}
            for i in range(24)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml", (
        f"processor:\n  path: {PROC}\n  lambda_type: custom_metrics\n  preprocessing:\n"
        "    enabled: true\n  postprocessing:\n    enabled: true\n  aggregation: average\n"
        "assay:\n  scorers:\n    - {name: f1, label: class_f1, params: {label_field: class}}\n"))
    assert main(["run", str(recipe), "--data", str(data), "--output-dir", str(tmp_path / "o"),
                 "-m", "mock/oracle", "--group-by", "level,shop", "--quiet"]) == 0
    capsys.readouterr()
    run = tmp_path / "o" / "t"
    [page_path] = report_run(run)
    page = page_path.read_text(encoding="utf-8")
    cards = _cards(page)
    for name in ("class_accuracy", "json_valid", "gold_len", "class_f1", "em", "rougeL"):
        assert name in cards, name
    assert "processor metrics" in page and "scorers" in page
    # level: 2 segments, one table; shop: 12 segments, three tables of 5, 5 and 2
    seg = page[page.index("id='segments'"):page.index("id='examples'")]
    tables = re.findall(r"<table class='seg'>.*?</table>", seg)
    assert len(tables) == 1 + 3
    widths = [len(re.findall(r"<th[ >]", t.split("</thead>")[0])) for t in tables]
    assert widths == [2 + 2, 2 + 5, 2 + 5, 2 + 2]
    assert "class='scroll'" not in seg
    assert page.count("class='item'") == 24


def test_judge_report(judge_run):
    written = report_run(judge_run)
    assert [p.name for p in written] == ["report.html", "judge_summary.png"]
    page = (judge_run / "report.html").read_text(encoding="utf-8")
    s = json.loads((judge_run / "metrics.json").read_text())
    recs = [json.loads(x) for x in (judge_run / "examples.jsonl").read_text().splitlines()]
    assert page.count("data:image/png;base64,") == 1 and "judge_summary.png" not in page
    assert f"id='verdict'>{s['verdict']}" in page
    assert "win rate of B" in page and "position consistency" in page
    assert "Judge quality vs human labels" in page and "reconciled verdicts" in page
    assert page.count("class='item'") == len(recs)
    for r in recs:
        assert f"data-id='{r['id']}' data-outcome='{r['outcome']}'" in page
    assert "A is better. [[A&gt;B]]" in page and "forward pass" in page
    err = next(r for r in recs if r["error"])
    assert html.escape(err["error"]["message"]) in page and "unparseable" in page
    assert "human label" in page and "By d" in page


def test_rubric_report(rubric_run):
    path = write_rubric_report(rubric_run)
    page = path.read_text(encoding="utf-8")
    # six panels, calibration and criteria figures, inline
    assert page.count("data:image/png;base64,") == 3
    for shown in ("weighted score A", "score margin (A − B)", "Calibration against human labels",
                  "Accuracy by |margin|", "Reliability", "Criteria", "Reweighted results",
                  "accuracy=0.9", "concise", "is it right", "justification A",
                  "rationale (overall justification)", "because"):
        assert shown in page, shown
    rec = json.loads((rubric_run / "examples.jsonl").read_text().splitlines()[1])
    assert f"weighted A <b>{rec['weighted_score_a']:.3f}</b>" in page


def test_judge_report_without_human_labels_or_groups(tmp_path, capsys):
    pairs = write_jsonl(tmp_path / "p.jsonl", [
        {"prompt": f"p{i}", "response_A": "a", "response_B": "b"} for i in range(4)])
    script = write_jsonl(tmp_path / "s.jsonl", [{"index": i, "text": "[[A=B]]"}
                                                for i in range(4)])
    recipe = tmp_path / "j.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 8\n")
    assert main(["run", str(recipe), "--data", str(pairs), "--judge", "mock/script", "-J",
                 f"file={script}", "--output-dir", str(tmp_path / "o"), "--quiet"]) == 0
    capsys.readouterr()
    page = write_judge_report(tmp_path / "o" / "j").read_text(encoding="utf-8")
    assert "Judge quality" not in page and "id='segments'" not in page
    assert "only where the judge disagrees" not in page and page.count("class='item'") == 4


def test_long_texts_are_cut(tmp_path, capsys):
    """50,000-character responses appear cut at 2,000 with a note; the records keep them."""
    run = _judge(tmp_path, "llm_judge", ["[[A>B]]"] * 6, long=50_000)
    capsys.readouterr()
    page = write_judge_report(run).read_text(encoding="utf-8")
    assert len(page) < 400_000          # the texts alone are 600,000 characters
    assert page.count("… truncated, 50,010 characters; full text in examples.jsonl") == 12
    rec = json.loads((run / "examples.jsonl").read_text().splitlines()[0])
    assert len(rec["response_a"]) == 50_010


def test_max_examples(judge_run, tmp_path):
    page = write_judge_report(judge_run, tmp_path / "r.html", max_examples=3).read_text()
    assert page.count("class='item'") == 3 and "the first 3 of 12 pairs are shown" in page
