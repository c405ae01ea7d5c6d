"""Property tests: the fast algorithms equal their literal definitions on arbitrary input."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.metrics import GenQAScorer, helm_normalize, lcs_length
from assay.metrics.bleu import N_STATS, bleu_from_stats, bleu_from_stats_batch
from assay.metrics.rouge import rouge_fmeasures, rouge_l_fmeasure, rouge_n_fmeasure
from tests.metrics.lighteval_oracle import helm_normalizer, lighteval_gen_qa

# Characters every normaliser / tokenizer treats specially, mixed with arbitrary ones.
_TRICKY = list("aAnNtThHeEiIfFyY ΣσςİKﬁ-.,'!?_$%+0123456789١٢٣²𝟙Ｅ«»\u0307\n\t\r\x0b\x1c\x85\u00a0\u2003\u2028\u3000")
tricky_text = st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=40)
# Dense number-like pieces: what float() accepts or nearly accepts.
_NUMBER_BITS = ["1", "12", "e", "E", "5", "inf", "Infinity", "iNf", "nan", "NaN", "1e5", "1e", "e5", "١", "²",
                "\t", "\u00a0", "\u2003", "\n", " ", "-", ".", "_", "+", ",", "x", "the", "a"]
number_text = st.lists(st.sampled_from(_NUMBER_BITS), max_size=10).map("".join)
word_text = st.lists(st.sampled_from(["the", "a", "an", "The", "A", "1", "1.0", "inf", "nan", "1e5",
                                      "Infinity", "-", "x-y", "Σ", "ΟΔΟΣ", " ", "\n", ".", "1,000"]),
                     max_size=12).map(" ".join)


@given(st.one_of(tricky_text, word_text, number_text))
@settings(max_examples=2500, deadline=None)
def test_helm_normalize_equals_lighteval_transcription(text: str) -> None:
    assert helm_normalize(text) == helm_normalizer(text)


@given(st.one_of(tricky_text, word_text, number_text), st.one_of(tricky_text, word_text, number_text))
@settings(max_examples=800, deadline=None)
def test_em_qem_f1_equal_lighteval_transcription(pred: str, gold: str) -> None:
    ours, _ = GenQAScorer(["em", "qem", "f1", "f1_score_quasi"]).score(pred, gold)
    assert ours == lighteval_gen_qa(pred, gold)


def _lcs_dp(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@given(st.lists(st.sampled_from("abcd"), max_size=80), st.lists(st.sampled_from("abcde"), max_size=80))
@settings(max_examples=600, deadline=None)
def test_bit_parallel_lcs_equals_dp(a: list[str], b: list[str]) -> None:
    assert lcs_length(a, b) == _lcs_dp(a, b) == lcs_length(b, a)


def test_bit_parallel_lcs_long_sequences() -> None:
    rng = random.Random(5)
    for _ in range(20):
        a = [rng.choice("abcdefgh") for _ in range(rng.randint(100, 400))]
        b = [rng.choice("abcdefgh") for _ in range(rng.randint(100, 400))]
        assert lcs_length(a, b) == _lcs_dp(a, b)


def _random_stats(rng: np.random.Generator, k: int) -> np.ndarray:
    hyp = rng.integers(0, 40, size=k)
    ref = rng.integers(0, 40, size=k)
    total = np.stack([np.maximum(hyp - i, 0) for i in range(4)], axis=1)
    correct = np.minimum(total, rng.integers(0, 30, size=(k, 4)))
    correct[rng.random((k, 4)) < 0.3] = 0
    return np.column_stack([hyp, ref, correct, total]).astype(np.float64)


def test_vectorised_corpus_bleu_equals_scalar() -> None:
    rng = np.random.default_rng(3)
    rows = _random_stats(rng, 2000)
    rows = np.vstack([rows, np.zeros((1, N_STATS)), [[3, 5, 1, 0, 0, 0, 3, 2, 1, 0]]])
    batch = bleu_from_stats_batch(rows)
    scalar = np.array([bleu_from_stats([int(v) for v in row]) for row in rows])
    np.testing.assert_allclose(batch, scalar, rtol=1e-12, atol=1e-12)


@given(st.text(max_size=200), st.text(max_size=200))
@settings(max_examples=500, deadline=None)
def test_scorer_never_raises_on_arbitrary_text(pred: str, gold: str) -> None:
    values, states = GenQAScorer(None).score(pred, gold)
    for name, value in values.items():
        upper = 100.0 + 1e-9 if name == "bleu" else 1.0 + 1e-12
        assert 0.0 <= value <= upper, name
    assert len(states["bleu"]) == N_STATS


@given(st.lists(st.sampled_from("abc"), max_size=12), st.lists(st.sampled_from("abcd"), max_size=12))
@settings(max_examples=500, deadline=None)
def test_shared_rouge_equals_separate_definitions(pred: list[str], gold: list[str]) -> None:
    assert rouge_fmeasures(pred, gold) == (rouge_n_fmeasure(pred, gold, 1), rouge_n_fmeasure(pred, gold, 2),
                                           rouge_l_fmeasure(pred, gold))


def test_long_pieces_bypass_the_memo_but_normalize_the_same() -> None:
    for text in ["The" + "a.b," * 40, "1" * 120, "x\u2003the" * 30 + " an", "١" * 70 + " 12"]:
        assert helm_normalize(text) == helm_normalizer(text)
