"""assay's metrics equal the reference libraries on golden inputs and seeded random pairs.

References: sacrebleu (BLEU, 13a), rouge-score (ROUGE), and the literal restatement
of lighteval's em/qem/f1/f1_score_quasi in ``lighteval_oracle`` (with nltk's
``f_measure``). Test-only dependencies: skipped when they are not installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.metrics import GenQAScorer, corpus_bleu, tokenize_13a
from tests.metrics.lighteval_oracle import lighteval_gen_qa
from tests.metrics.realistic_pairs import make_pairs

sacrebleu = pytest.importorskip("sacrebleu")
rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
from sacrebleu.metrics import BLEU  # noqa: E402
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a  # noqa: E402

TOL = 1e-9
CASES = Path(__file__).parent / "cases"


def _golden_pairs() -> list[tuple[str, str]]:
    pairs = []
    for name in ("exact_match", "token_f1", "rouge", "bleu"):
        for case in json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))["cases"]:
            pairs.append((case["prediction"], case["gold"]))
    return sorted(set(pairs))


GOLDEN = _golden_pairs()
RANDOM = make_pairs(300, seed=20240601) + make_pairs(150, seed=7, odd=0.35)
ALL = GOLDEN + RANDOM

_ROUGE = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
_SENTENCE_BLEU = BLEU(tokenize="13a", effective_order=True)
_13A = Tokenizer13a()


def reference_values(pred: str, gold: str) -> dict[str, float]:
    rouge = _ROUGE.score(gold, pred)
    out = {name: score.fmeasure for name, score in rouge.items()}
    out["bleu"] = sacrebleu.sentence_bleu(pred, [gold]).score
    out.update(lighteval_gen_qa(pred, gold))
    return out


def _assert_close(ours: dict[str, float], ref: dict[str, float], pair: tuple[str, str]) -> None:
    for metric, expected in ref.items():
        assert abs(ours[metric] - expected) <= TOL, (metric, pair, ours[metric], expected)


def test_all_metrics_equal_references_on_golden_and_random_pairs() -> None:
    scorer = GenQAScorer(None)
    for pred, gold in ALL:
        ours, _ = scorer.score(pred, gold)
        _assert_close(ours, reference_values(pred, gold), (pred, gold))


def test_sentence_bleu_equals_bleu_object_sentence_score() -> None:
    scorer = GenQAScorer(["bleu"])
    for pred, gold in ALL:
        ours, state = scorer.score(pred, gold)
        ref = _SENTENCE_BLEU.sentence_score(pred, [gold])
        assert abs(ours["bleu"] - ref.score) <= TOL
        assert state["bleu"][:2] == [ref.sys_len, ref.ref_len]
        assert state["bleu"][2:6] == list(ref.counts) and state["bleu"][6:] == list(ref.totals)


def test_tokenize_13a_equals_sacrebleu() -> None:
    for pred, gold in ALL:
        for text in (pred, gold):
            assert tokenize_13a(text) == _13A(text.rstrip()).split(), text


@given(st.text(alphabet=st.sampled_from(list("ab1 2.,-\n&;<>skiped_'\"!?()")) | st.characters(), max_size=60))
@settings(max_examples=400, deadline=None)
def test_tokenize_13a_equals_sacrebleu_on_arbitrary_text(text: str) -> None:
    assert tokenize_13a(text) == _13A(text.rstrip()).split()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_corpus_bleu_equals_sacrebleu(seed: int) -> None:
    pairs = make_pairs(120, seed=seed, odd=0.1)
    preds, golds = [p for p, _ in pairs], [g for _, g in pairs]
    expected = sacrebleu.corpus_bleu(preds, [golds]).score
    assert abs(corpus_bleu(preds, golds) - expected) <= TOL
    assert abs(BLEU(tokenize="13a").corpus_score(preds, [golds]).score - expected) <= TOL
    scorer = GenQAScorer(None)
    values, states = scorer.score_all(preds, golds)
    assert abs(scorer.aggregate(values, states)["bleu"] - expected) <= TOL


def test_corpus_bleu_skips_failed_examples() -> None:
    pairs = make_pairs(50, seed=11)
    scorer = GenQAScorer(["bleu", "rouge1"])
    values, states = scorer.score_all([p for p, _ in pairs], [g for _, g in pairs])
    failed = [3, 17, 40]
    states["bleu"][failed] = float("nan")
    values["bleu"][failed] = float("nan")
    values["rouge1"][failed] = float("nan")
    kept = [pair for i, pair in enumerate(pairs) if i not in failed]
    expected = sacrebleu.corpus_bleu([p for p, _ in kept], [[g for _, g in kept]]).score
    out = scorer.aggregate(values, states)
    assert abs(out["bleu"] - expected) <= TOL
    ref_r1 = [_ROUGE.score(g, p)["rouge1"].fmeasure for p, g in kept]
    assert abs(out["rouge1"] - sum(ref_r1) / len(ref_r1)) <= TOL


def test_long_chunks_bypass_the_memo_but_tokenize_the_same() -> None:
    texts = ["a.b," * 40, "1-2.3," * 30 + " end.", "x" * 200 + ". " + "y," * 50, "http://example.com/" + "a.b/" * 30]
    for text in texts:
        assert tokenize_13a(text) == _13A(text.rstrip()).split()
