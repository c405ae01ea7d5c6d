"""The progress line shows failures and unparseable judge outputs as they happen."""

from __future__ import annotations

import io
import json

from assay.cli.app import main
from assay.runner.progress import Progress
from tests.conftest import write_jsonl


def test_plain_line_counts_unparseable_outputs():
    stream = io.StringIO()
    with Progress(4, description="judge", mode="plain", stream=stream) as p:
        p.advance(1)
        p.advance(1, unparseable=1)
        p.advance(1, errors=1)
        p.advance(1, unparseable=1)
    last = stream.getvalue().strip().splitlines()[-1]
    assert "4/4" in last and "errors 1" in last and "unparseable 2" in last


def test_rich_bar_counts_unparseable_outputs():
    stream = io.StringIO()
    with Progress(3, description="[bold]x[/]", mode="rich", stream=stream) as p:
        p.advance(1, unparseable=1)
        p.advance(2)
    assert p.unparseable == 1


def test_a_judge_run_reports_unparseable_outputs_while_it_runs(tmp_path, capsys):
    pairs = write_jsonl(tmp_path / "p.jsonl", [
        {"prompt": f"p{i}", "response_A": "a", "response_B": "b"} for i in range(5)])
    script = write_jsonl(tmp_path / "s.jsonl", [
        {"index": i, "text": "[[A>B]]" if i % 2 else "no idea"} for i in range(5)])
    recipe = tmp_path / "j.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 16\n")
    code = main(["run", str(recipe), "--data", str(pairs), "--judge", "mock/script",
                 "-J", f"file={script}", "--output-dir", str(tmp_path / "out"),
                 "--progress", "plain"])
    err = capsys.readouterr().err
    assert code == 3   # unparseable outputs are failed examples for the exit code
    assert "unparseable 3" in err
    recs = [json.loads(x) for x in (tmp_path / "out" / "j" / "examples.jsonl").read_text()
            .splitlines()]
    assert sum(r["outcome"] == "error" for r in recs) == 3
