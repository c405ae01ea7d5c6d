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
