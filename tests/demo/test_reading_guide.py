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


def test_guide_says_whether_the_model_is_overconfident(tmp_path):
    import json
    from types import SimpleNamespace

    from assay.demo import reading_guide

    gold = json.dumps({"class": "Billing_Issue"})
    records = [{"gold": gold, "prediction": gold}] + [
        {"gold": gold, "prediction": json.dumps({"class": "User_Guidance"})}] * 3
    (tmp_path / "metrics.json").write_text(json.dumps({"calibration": {"overall": {
        "mean_confidence": 0.7, "accuracy": 0.25, "ece": {"value": 0.45}}}}))
    result = SimpleNamespace(run_dir=tmp_path, metrics={"class_accuracy": 0.25},
                             records_dicts=lambda: iter(records))
    line = reading_guide(result)
    assert ("averages 0.70 while it is right 0.25 of the time (ECE 0.45): overconfident; "
            "the reliability diagram is in the report.") in line
    (tmp_path / "metrics.json").write_text(json.dumps({"calibration": {"skipped": "no logprobs"}}))
    assert "ECE" not in reading_guide(result)
