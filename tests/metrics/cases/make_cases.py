"""Regenerate the golden case files in this folder from the reference implementations.

Run from the repository root: ``python tests/metrics/cases/make_cases.py`` (needs the
dev extras: sacrebleu, rouge-score, nltk). Expected values come from sacrebleu,
rouge-score and ``tests/metrics/lighteval_oracle.py``, never from assay.
``aggregate.json`` is written by hand and is not touched.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
import sacrebleu
from rouge_score import rouge_scorer
from tests.metrics.lighteval_oracle import lighteval_gen_qa, helm_normalizer
from tests.metrics.realistic_pairs import make_pairs

LONG_GOLD = ("The Treaty of Westphalia, signed in 1648, ended the Thirty Years' War in the Holy Roman Empire "
             "and the Eighty Years' War between Spain and the Dutch Republic. It established the principle of "
             "state sovereignty; historians often cite it as the origin of the modern international system. "
             "Negotiations took place in the cities of Osnabrück and Münster, and involved about 109 delegations. ") * 3
LONG_PRED = LONG_GOLD.replace("1648", "1649").replace("Spain", "the Kingdom of Spain").replace(";", ",") \
    .replace("historians often", "many historians") + " In short: it mattered."

CASES = [
    ("identical", "Paris", "Paris"),
    ("surrounding_whitespace", "  Paris\n", "Paris"),
    ("case_differs", "paris", "Paris"),
    ("trailing_period", "Paris.", "Paris"),
    ("articles", "The Eiffel Tower", "eiffel tower"),
    ("both_empty", "", ""),
    ("empty_prediction", "", "Paris"),
    ("empty_gold", "Paris", ""),
    ("whitespace_prediction_empty_gold", " ", ""),
    ("whitespace_both", "  ", "\t"),
    ("thousands_separator", "1,000", "1000"),
    ("decimal_vs_integer", "1.0", "1"),
    ("decimal_point_dropped", "3.14", "314"),
    ("integer_vs_float_words", "42 apples", "42.0 apples"),
    ("hyphenated", "well-known fact", "well known fact"),
    ("accents", "Café naïve", "cafe naive"),
    ("greek_final_sigma", "ΟΔΟΣ", "οδος"),
    ("repeated_words", "the the the cat", "the cat"),
    ("repeated_tokens_clipped", "cat cat cat", "cat"),
    ("newline_inside", "New\nYork", "New York"),
    ("html_entity", "AT&amp;T", "AT&T"),
    ("skipped_marker", "yes <skipped> no", "yes no"),
    ("hyphen_newline", "co-\noperate now", "cooperate now"),
    ("digit_dash", "1990-2000", "1990 - 2000"),
    ("only_punctuation", "...", "!!!"),
    ("answer_wrapper", "The answer is 42.", "42"),
    ("cjk", "東京", "東京"),
    ("cjk_vs_latin", "東京 Tokyo", "Tokyo"),
    ("emoji", "😀 yes", "yes 😀"),
    ("inf_vs_infinity", "inf", "Infinity"),
    ("nan_case", "NaN", "nan"),
    ("exponent_number", "1e5", "100000"),
    ("arabic_indic_digits", "١٢", "12"),
    ("non_breaking_space", "New\u00a0York", "New York"),
    ("single_token_rouge2", "Paris", "Paris France"),
    ("word_order_swapped", "tower eiffel the", "the eiffel tower"),
    ("numbers_in_sentence", "It costs $1,299.99 in 2024.", "The price is $1,299.99 (2024)."),
    ("contraction", "It's Einstein's theory", "it is einstein s theory"),
    ("tokenized_period", "Paris is the capital .", "Paris is the capital."),
    ("long_paragraph", LONG_PRED, LONG_GOLD),
    ("long_vs_short", LONG_GOLD, "Treaty of Westphalia"),
    ("unrelated", "blue whale", "Mount Everest is 8,849 m tall"),
]

rs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])

def dump(name, obj):
    with open(OUT / f"{name}.json", "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")

em, f1, rouge, bleu = [], [], [], []
for name, p, g in CASES:
    le = lighteval_gen_qa(p, g)
    em.append({"name": name, "prediction": p, "gold": g, "expected": {"em": le["em"], "qem": le["qem"]}, "tolerance": 0.0})
    f1.append({"name": name, "prediction": p, "gold": g, "expected": {"f1": le["f1"], "f1_score_quasi": le["f1_score_quasi"]}, "tolerance": 1e-12})
    r = rs.score(g, p)
    rouge.append({"name": name, "prediction": p, "gold": g, "expected": {k: r[k].fmeasure for k in ("rouge1", "rouge2", "rougeL")}, "tolerance": 1e-12})
    bleu.append({"name": name, "prediction": p, "gold": g, "expected": {"bleu": sacrebleu.sentence_bleu(p, [g]).score}, "tolerance": 1e-9})

dump("exact_match", {"description": "em and qem as lighteval ExactMatches(strip_strings=True[, helm_normalizer]); expected values from a literal transcription of lighteval", "cases": em})
dump("token_f1", {"description": "f1 and f1_score_quasi as lighteval F1_score (set-of-words nltk f_measure, None -> 0); expected from lighteval transcription + nltk 3.10", "cases": f1})
dump("rouge", {"description": "F-measures of rouge-score 0.1.2 RougeScorer(['rouge1','rouge2','rougeL'], use_stemmer=False).score(gold, prediction)", "cases": rouge})
dump("bleu", {"description": "sacrebleu 2.6.0 sentence_bleu(prediction, [gold]).score (13a, exp smoothing, effective order)", "cases": bleu})

norm_inputs = ["The Cat", "an apple a day", "1,000", "1.0", "3.14", "well-known", "  spaced   out  ", "the-the-the",
               "Infinity", "nan", "1e5", "١٢", "ΟΔΟΣ", "A.B.C.", "it's", "x_y", "Theatre", "The\nanswer", "$1,299.99!", ""]
dump("helm_normalize", {"description": "lighteval helm_normalizer outputs (literal transcription)",
                        "cases": [{"name": f"n{i}", "input": s, "expected": helm_normalizer(s)} for i, s in enumerate(norm_inputs)]})

corpora = []
c1 = [(p, g) for _, p, g in CASES]
corpora.append(("all_golden_pairs", c1))
corpora.append(("single_pair", [("The cat sat on the mat.", "The cat is on the mat.")]))
corpora.append(("short_sentences_no_4grams", [("a b", "a b"), ("c", "c d")]))
corpora.append(("no_matches", [("x y z w", "a b c d")]))
corpora.append(("realistic_60", make_pairs(60, seed=7)))
cb = []
for name, pairs in corpora:
    preds, golds = [p for p, _ in pairs], [g for _, g in pairs]
    cb.append({"name": name, "predictions": preds, "golds": golds,
               "expected": {"bleu": sacrebleu.corpus_bleu(preds, [golds]).score}, "tolerance": 1e-9})
dump("corpus_bleu", {"description": "sacrebleu 2.6.0 corpus_bleu(predictions, [golds]).score", "cases": cb})
print("ok")
