"""A whole gen_qa run on the mock backend: metrics.json intervals, the missing group-by field
warning, and a console summary that survives hostile segment values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

import assay
from tests.conftest import write_jsonl, write_recipe

HOSTILE = ["[/]", "[link=https://evil.example]x[/link]", "\x1b]8;;https://evil.example\x07y"]


def _run(tmp_path: Path, model: str, group_by: str, print_summary: bool = False):
    rows = [{"query": f"q{i}", "response": f"the answer {i} is right here",
             "metadata": json.dumps({"seg": HOSTILE[i % 3]})} for i in range(12)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    opts = assay.RunOptions(progress="none", print_summary=print_summary, overwrite=True)
    return assay.evaluate(recipe, opts, assay__data=str(data), assay__model=model,
                          assay__output_dir=str(tmp_path / "runs"), assay__group_by=group_by)


def test_intervals_in_metrics_json(tmp_path):
    res = _run(tmp_path, "mock/oracle", "seg")
    doc = json.loads((res.run_dir / "metrics.json").read_text())
    for name, m in doc["metrics"].items():
        assert m["ci_low"] <= m["value"] <= m["ci_high"], name
    assert doc["metrics"]["bleu"]["value"] == pytest.approx(100.0)
    em = doc["metrics"]["em"]
    assert (em["ci_low"], em["ci_high"]) == pytest.approx(
        proportion_confint(12, 12, method="wilson"), abs=1e-12)
    assert em["stderr"] == 0.0
    for seg in doc["groups"]["seg"].values():
        for name, m in seg["metrics"].items():
            assert m["ci_low"] <= m["value"] <= m["ci_high"], name
    assert doc["warnings"] == []


def test_missing_group_by_field_warns_on_stderr_and_in_summary(tmp_path, capsys):
    res = _run(tmp_path, "mock/oracle", "nofield")
    err = [line for line in capsys.readouterr().err.splitlines() if "nofield" in line]
    assert err == ["warning: no example has metadata field 'nofield'; every example is in "
                   "the '(missing)' segment (check the field name)"]
    doc = json.loads((res.run_dir / "metrics.json").read_text())
    assert doc["warnings"] == err and list(doc["groups"]["nofield"]) == ["(missing)"]


def test_console_summary_prints_hostile_segments_literally(tmp_path, capsys):
    _run(tmp_path, "mock/echo", "seg", print_summary=True)
    out = capsys.readouterr().out
    assert "│ [/] " in out and "[link=https://evil" in out     # the last may fold in its column
    assert "\x1b" not in out and "\x07" not in out
    assert "outputs:" in out
