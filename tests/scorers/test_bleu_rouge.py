"""``bleu`` equals sacrebleu and ``rouge`` equals rouge-score, for every parameter."""

from __future__ import annotations

import math
import random

import pytest

from assay.scorers import create_scorer
from tests.metrics.realistic_pairs import make_pairs

sacrebleu = pytest.importorskip("sacrebleu")
rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
from sacrebleu.metrics import BLEU  # noqa: E402

_INFLECTED = ("running runs ran runner connection connected connecting connects generously "
              "generalization happily happiness caresses ponies cats relational conditional "
              "rational valency hesitancy digitizer conformabli radicalli differentli vileli "
              "analogousli vietnamization predication operator feudalism decisiveness hopefulness "
              "callousness formaliti sensitiviti sensibiliti triplicate formative formalize "
              "electriciti electrical hopeful goodness revival allowance inference airliner "
              "gyroscopic adjustable defensible irritant replacement adjustment dependent adoption "
              "homologou communism activate angulariti homologous effective bowdlerize probate "
              "rate cease controll roll dying lying tying agreed feed plastered bled motoring sing "
              "conflated troubled sized hopping tanned falling hissing fizzed failing filing "
              "happy sky generous the a of and is it was").split()


def _text(rng: random.Random) -> str:
    words = [rng.choice(_INFLECTED) for _ in range(rng.randint(0, 30))]
    out = ""
    for w in words:
        if rng.random() < 0.1:
            w = w.upper() if rng.random() < 0.5 else w.capitalize()
        out += w + rng.choice([" ", " ", " ", "\n", ", ", ". ", "-"])
    return out


def _pairs(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = [(_text(rng), _text(rng)) for _ in range(n)]
    for p, _ in pairs[: n // 3]:  # near copies too, so long n-grams match
        pairs.append((p, p.replace("the", "a", 1)))
    return pairs + make_pairs(n, seed=seed, odd=0.1)


# --- BLEU -------------------------------------------------------------------------

BLEU_SETTINGS = [
    {},
    {"smooth": "none"},
    {"smooth": "floor"},
    {"smooth": "floor", "smooth_value": 0.5},
    {"smooth": "add-k"},
    {"smooth": "add-k", "smooth_value": 2},
    {"max_order": 1},
    {"max_order": 2, "smooth": "floor"},
    {"max_order": 3},
    {"max_order": 5, "smooth": "add-k"},
    {"max_order": 6, "smooth": "none"},
    {"lowercase": True},
    {"tokenize": "none"},
    {"tokenize": "none", "lowercase": True, "smooth": "floor"},
    {"effective_order": True},
]


def _sacre(kw: dict, effective_order: bool) -> BLEU:
    return BLEU(max_ngram_order=kw.get("max_order", 4), smooth_method=kw.get("smooth", "exp"),
                smooth_value=kw.get("smooth_value"), lowercase=kw.get("lowercase", False),
                tokenize=kw.get("tokenize", "13a"), effective_order=effective_order)


def _id(kw: dict) -> str:
    return ",".join(f"{a}={b}" for a, b in kw.items()) or "default"


@pytest.mark.parametrize("kw", BLEU_SETTINGS, ids=_id)
def test_bleu_equals_sacrebleu(kw: dict) -> None:
    pairs = _pairs(60, seed=len(str(kw)))
    preds, golds = [p for p, _ in pairs], [g for _, g in pairs]
    scorer = create_scorer("bleu", **kw)
    corpus = _sacre(kw, kw.get("effective_order", False)).corpus_score(preds, [golds]).score
    assert scorer.score(preds, golds)["bleu"] == pytest.approx(corpus, abs=1e-9)
    sentence = _sacre(kw, True)
    for p, g in pairs:
        assert scorer.score_one(p, g)["bleu"] == pytest.approx(
            sentence.sentence_score(p, [g]).score, abs=1e-9), (p, g)


def test_default_bleu_is_sacrebleu_sentence_and_corpus_bleu() -> None:
    pairs = make_pairs(200, seed=5)
    preds, golds = [p for p, _ in pairs], [g for _, g in pairs]
    s = create_scorer("bleu")
    assert s.score(preds, golds)["bleu"] == pytest.approx(
        sacrebleu.corpus_bleu(preds, [golds]).score, abs=1e-9)
    for p, g in pairs[:50]:
        assert s.score_one(p, g)["bleu"] == pytest.approx(
            sacrebleu.sentence_bleu(p, [g]).score, abs=1e-9)


def test_bleu_stderr_is_seeded_bootstrap() -> None:
    pairs = make_pairs(100, seed=1)
    preds, golds = [p for p, _ in pairs], [g for _, g in pairs]
    a = create_scorer("bleu").score(preds, golds)
    assert a == create_scorer("bleu").score(preds, golds)
    assert a["bleu_stderr"] != create_scorer("bleu", seed=1).score(preds, golds)["bleu_stderr"]
    assert 0 < a["bleu_stderr"] < 20 and a["n"] == 100.0
    # the gen_qa bleu (order 4, exp) uses the same bootstrap: same stderr
    from assay.metrics import GenQAScorer

    g = GenQAScorer(["bleu"])
    values, states = g.score_all(preds, golds)
    ref = g.aggregate(values, states)
    assert a["bleu"] == pytest.approx(ref["bleu"], abs=1e-9)
    assert a["bleu_stderr"] == pytest.approx(ref["bleu_stderr"], rel=1e-9)
    one = create_scorer("bleu").score(["a b c"], ["a b c"])
    assert one["bleu_stderr"] == 0.0
    assert math.isnan(create_scorer("bleu").score([], [])["bleu"])


# --- ROUGE ------------------------------------------------------------------------

ROUGE_TYPES = ["rouge1", "rouge2", "rouge3", "rouge4", "rougeL", "rougeLsum"]


@pytest.mark.parametrize("use_stemmer", [False, True])
def test_rouge_equals_rouge_score(use_stemmer: bool) -> None:
    ref = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=use_stemmer)
    mine = create_scorer("rouge", rouge_types=ROUGE_TYPES, use_stemmer=use_stemmer,
                         precision_recall=True)
    for p, g in _pairs(150, seed=int(use_stemmer)):
        expected = ref.score(g, p)
        got = mine.score_one(p, g)
        for t in ROUGE_TYPES:
            assert (got[t], got[f"{t}_precision"], got[f"{t}_recall"]) == (
                expected[t].fmeasure, expected[t].precision, expected[t].recall), (t, p, g)


def test_stemmer_is_nltk_porter_default_mode_as_rouge_score() -> None:
    from nltk.stem.porter import PorterStemmer

    from assay.scorers.rouge import porter_stem

    assert PorterStemmer().mode == PorterStemmer.NLTK_EXTENSIONS
    for w in _INFLECTED:
        assert porter_stem(w) == PorterStemmer().stem(w)
    mine = create_scorer("rouge", use_stemmer=True)
    assert mine.tokens("Running connections, happily!") == ["run", "connect", "happili"]
    assert mine.score_one("the runner runs", "the runners ran")["rouge1"] == pytest.approx(
        rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
        .score("the runners ran", "the runner runs")["rouge1"].fmeasure)


def test_rouge_corpus_value_is_mean_with_stderr() -> None:
    pairs = _pairs(40, seed=3)
    mine = create_scorer("rouge")
    ref = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    out = mine.score([p for p, _ in pairs], [g for _, g in pairs])
    for t in ("rouge1", "rouge2", "rougeL"):
        vals = [ref.score(g, p)[t].fmeasure for p, g in pairs]
        mean = sum(vals) / len(vals)
        sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
        assert out[t] == pytest.approx(mean, rel=1e-12)
        assert out[f"{t}_stderr"] == pytest.approx(sd / math.sqrt(len(vals)), rel=1e-9)
    assert out["n"] == len(pairs) and out["failed"] == 0


def test_rouge_default_equals_gen_qa_metrics() -> None:
    from assay.metrics import GenQAScorer

    g = GenQAScorer(["rouge1", "rouge2", "rougeL"])
    s = create_scorer("rouge")
    for p, gold in make_pairs(100, seed=9):
        assert dict(s.score_one(p, gold)) == g.score(p, gold)[0]
