"""Scorer presets inside `assay run`, checked against scikit-learn on the same labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

import assay
from assay.errors import ConfigError
from tests.conftest import write_jsonl, write_recipe

CLASSES = ["Billing_Issue", "Software_Bug", "Account_Access"]


def _rows(n=24):
    rows, answers = [], []
    for i in range(n):
        gold = CLASSES[i % 3]
        pred = CLASSES[(i * 7 // 5) % 3] if i % 4 else "I am not sure"   # some wrong, some unparsed
        rows.append({"query": f"t{i}", "response": json.dumps({"class": gold}),
                     "metadata": json.dumps({"difficulty": ["easy", "hard"][i % 2]})})
        answers.append(pred if pred not in CLASSES else json.dumps({"class": pred, "thought": "x"}))
    return rows, answers


def _run(tmp_path, scorers_yaml: str):
    rows, answers = _rows()
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    script = write_jsonl(tmp_path / "s.jsonl", [{"index": i, "text": a} for i, a in enumerate(answers)])
    recipe = write_recipe(tmp_path / "r.yaml", "assay:\n  scorers:\n" + scorers_yaml)
    res = assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False, overwrite=True),
                         assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                         assay__model="mock/script", assay__model_args={"file": str(script)},
                         assay__group_by="difficulty")
    return res, rows, answers


def test_classification_presets_match_sklearn(tmp_path):
    res, rows, answers = _run(tmp_path, (
        "    - {name: f1, params: {label_field: class, average: macro}, label: class_f1}\n"
        "    - {name: accuracy, params: {label_field: class}, label: class_acc}\n"
        "    - {name: json_schema, params: {schema: {type: object, required: [class]}}}\n"))
    y_true = [json.loads(r["response"])["class"] for r in rows]
    y_pred = [json.loads(a)["class"] if a.startswith("{") else "<unparsed>" for a in answers]
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    m = res.metrics
    assert m["class_f1"] == pytest.approx(f, abs=1e-12)
    assert m["class_acc"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    assert "class_f1_stderr" in m and m["class_f1.unparsed"] == y_pred.count("<unparsed>")
    assert any(k.startswith("class_f1.f1[") for k in m)
    # json_schema is per example, averaged with a standard error
    valid = sum(a.startswith("{") for a in answers) / len(answers)
    assert m["json_schema"] == pytest.approx(valid) and "json_schema_stderr" in m
    rec = next(res.records())
    assert "json_schema" in rec.metrics
    easy = [i for i in range(len(rows)) if i % 2 == 0]
    seg = res.groups["difficulty"]["easy"]["metrics"]["class_acc"]["value"]
    assert seg == pytest.approx(accuracy_score([y_true[i] for i in easy], [y_pred[i] for i in easy]))
    assert res.summary["scorers"]["class_f1"]["spec"]["name"] == "f1"


def test_unknown_scorer_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="did you mean"):
        _run(tmp_path, "    - {name: f11}\n")


def test_label_clash_with_builtin_metric(tmp_path):
    with pytest.raises(ConfigError, match="already used"):
        _run(tmp_path, "    - {name: bleu}\n")
