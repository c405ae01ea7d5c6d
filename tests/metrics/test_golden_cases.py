"""Golden cases kept as data in ``tests/metrics/cases/*.json`` (input, expected, tolerance).

Expected values were produced by the reference definitions named in each file's
``description`` (lighteval's, rouge-score's, sacrebleu's), not by assay.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from assay.metrics import (
    GenQAScorer,
    corpus_bleu,
    exact_match,
    helm_normalize,
    quasi_exact_match,
    quasi_token_f1,
    sentence_bleu,
    token_f1,
)
from assay.metrics.rouge import rouge_l_fmeasure, rouge_n_fmeasure, rouge_tokenize

CASES = Path(__file__).parent / "cases"


def _load(name: str) -> list[dict]:
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))["cases"]


def _ids(cases: list[dict]) -> list[str]:
    return [c["name"] for c in cases]


def _rouge(pred: str, gold: str) -> dict[str, float]:
    p, g = rouge_tokenize(pred), rouge_tokenize(gold)
    return {"rouge1": rouge_n_fmeasure(p, g, 1), "rouge2": rouge_n_fmeasure(p, g, 2),
            "rougeL": rouge_l_fmeasure(p, g)}


FUNCTIONS = {
    "em": exact_match,
    "qem": quasi_exact_match,
    "f1": token_f1,
    "f1_score_quasi": quasi_token_f1,
    "bleu": sentence_bleu,
}

PAIR_FILES = ["exact_match", "token_f1", "rouge", "bleu"]
PAIR_CASES = [(f, c) for f in PAIR_FILES for c in _load(f)]


@pytest.mark.parametrize(("file", "case"), PAIR_CASES, ids=[f"{f}-{c['name']}" for f, c in PAIR_CASES])
def test_pair_case(file: str, case: dict) -> None:
    pred, gold, tol = case["prediction"], case["gold"], case["tolerance"]
    scored, _ = GenQAScorer(list(case["expected"])).score(pred, gold)
    rouge = _rouge(pred, gold) if file == "rouge" else {}
    for metric, expected in case["expected"].items():
        direct = rouge[metric] if file == "rouge" else FUNCTIONS[metric](pred, gold)
        assert direct == pytest.approx(expected, abs=tol, rel=0), metric
        assert scored[metric] == pytest.approx(expected, abs=tol, rel=0), metric


@pytest.mark.parametrize("case", _load("helm_normalize"), ids=_ids(_load("helm_normalize")))
def test_helm_normalize_case(case: dict) -> None:
    assert helm_normalize(case["input"]) == case["expected"]


@pytest.mark.parametrize("case", _load("corpus_bleu"), ids=_ids(_load("corpus_bleu")))
def test_corpus_bleu_case(case: dict) -> None:
    preds, golds, expected = case["predictions"], case["golds"], case["expected"]["bleu"]
    assert corpus_bleu(preds, golds) == pytest.approx(expected, abs=case["tolerance"], rel=0)
    scorer = GenQAScorer(["bleu"])
    values, states = scorer.score_all(preds, golds)
    out = scorer.aggregate(values, states)
    assert out["bleu"] == pytest.approx(expected, abs=case["tolerance"], rel=0)
    assert math.isfinite(out["bleu_stderr"]) and out["bleu_stderr"] >= 0.0
    assert np.all((values["bleu"] >= 0) & (values["bleu"] <= 100 + 1e-9))
