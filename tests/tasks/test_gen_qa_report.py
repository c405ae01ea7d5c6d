"""The HTML report escapes model and dataset text."""

from __future__ import annotations

import assay
from assay.tasks.gen_qa.report import write_html_report
from tests.conftest import write_jsonl, write_recipe


def test_report_escapes_model_text(tmp_path):
    evil = "<script>alert('x')</script>"
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"query": evil, "response": "<b>gold</b>", "metadata": '{"difficulty": "<i>hard</i>"}'}])
    res = assay.evaluate(write_recipe(tmp_path / "r.yaml"),
                         assay.RunOptions(progress="none", print_summary=False),
                         assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                         assay__model="mock/echo", assay__group_by="difficulty")
    html = write_html_report(res.run_dir).read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<b>gold</b>" not in html and "<i>hard</i>" not in html
    assert html.count("<script>") == 1   # only the report's own search script


def test_report_shows_the_first_examples_and_counts_all(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl",
                       [{"query": f"question {i}", "response": f"a{i}"} for i in range(7)])
    res = assay.evaluate(write_recipe(tmp_path / "r.yaml"),
                         assay.RunOptions(progress="none", print_summary=False),
                         assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                         assay__model="mock/echo")
    html = write_html_report(res.run_dir, tmp_path / "r.html", max_examples=3).read_text(
        encoding="utf-8")
    assert "Examples (7)" in html and "the first 3 of 7 examples are shown" in html
    assert "question 2" in html and "question 3" not in html
    html = write_html_report(res.run_dir, tmp_path / "all.html").read_text(encoding="utf-8")
    assert "Examples (7)" in html and "are shown" not in html and "question 6" in html
