"""The demo's calibration: class_accuracy is "correct", the probability of the chosen `class`
(among the six allowed) is the confidence, and the report draws the reliability diagram."""

from __future__ import annotations

import json

from assay.demo import run_demo


def test_demo_calibrates_the_class_label_probability(tmp_path, capsys):
    result = run_demo(output_dir=str(tmp_path), model="mock/oracle", progress="none", limit=8)
    out = capsys.readouterr().out
    cal = json.loads((result.run_dir / "metrics.json").read_text())["calibration"]
    assert cal["metric"] == "class_accuracy" and cal["metric_source"] == "recipe"
    assert cal["confidence"] == "label" and cal["overall"]["n"] == 8
    recs = [json.loads(x) for x in (result.run_dir / "examples.jsonl").read_text().splitlines()]
    assert all(r["confidence"]["label"] == json.loads(r["gold"])["class"] for r in recs)
    assert all(0.0 < r["confidence"]["label_probability"] <= 1.0 for r in recs)
    assert "calibration: correct = class_accuracy; confidence = label probability" in out
    html = (result.run_dir / "report.html").read_text(encoding="utf-8")
    section = html[html.index("<h2 id='calibration'>"):html.index("<h2 id='examples'>")]
    assert "alt='reliability diagram' src='data:image/png;base64," in section
