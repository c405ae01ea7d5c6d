"""The demo ends with a line that says how to read its headline number."""

from __future__ import annotations

from assay.demo import run_demo


def test_guide_compares_accuracy_with_guessing(tmp_path, capsys):
    result = run_demo(output_dir=str(tmp_path), model="mock/oracle", progress="none")
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("how to read this:"))
    assert result.metrics["class_accuracy"] == 1.0
    assert "class_accuracy 1.00 against 0.17 for a random guess among 6 classes" in line
    assert "0.18 for always answering the most frequent one" in line
    assert "unparseable" not in line


def test_guide_counts_answers_that_are_not_the_json(tmp_path, capsys):
    run_demo(output_dir=str(tmp_path), model="mock/constant", model_args=["text=no idea"],
             progress="none", limit=10)
    line = next(x for x in capsys.readouterr().out.splitlines()
                if x.startswith("how to read this:"))
    assert "10 unparseable" in line
