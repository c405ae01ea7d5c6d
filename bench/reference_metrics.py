"""PERF-1b reference: the gen_qa metric set computed with the reference libraries alone.

Over the same (prediction, gold) pairs that assay scores in PERF-1b (golds: the
``response`` field of the generated gen_qa file; predictions: bench/data.py's seeded
noisy perturbations), this computes, per example and aggregated by the mean:

* ``em``  - lighteval ``ExactMatches(strip_strings=True)``;
* ``qem`` - the same after lighteval's ``helm_normalizer`` (transcribed literally below);
* ``f1``  - lighteval ``F1_score``: ``nltk.metrics.scores.f_measure`` of the whitespace token sets;
* ``f1_score_quasi`` - the same after ``helm_normalizer``;
* ``rouge1/rouge2/rougeL`` - ``rouge_score.rouge_scorer.RougeScorer(use_stemmer=False)``
  F-measures (``score(target=gold, prediction=pred)``);
* ``bleu`` - ``sacrebleu.sentence_bleu`` per example and ``sacrebleu.corpus_bleu`` over
  the corpus (the aggregate, 0-100), as lighteval does.

Aggregates are plain means with ``std(ddof=1)/sqrt(n)`` stderr (no bootstrap for BLEU's
stderr: the reference is kept lean, which only makes the PERF-1b bar harder).

Timing (printed as JSON and written with ``--out``):

* ``compute_s``: scoring the pairs already in memory, plus aggregation;
* ``inprocess_s``: reading both files + ``compute_s`` (everything after the imports);
* the caller (bench/run_all.py) adds whole-process wall time around the subprocess.

Run with any interpreter that has ``rouge-score`` (which brings ``nltk``) and
``sacrebleu`` (e.g. the peers' venv)::

    python bench/reference_metrics.py --data gen_qa.jsonl --predictions preds.jsonl --out ref.json
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import argparse  # noqa: E402
import importlib.metadata as md  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import string  # noqa: E402
import sys  # noqa: E402

import sacrebleu  # noqa: E402
from nltk.metrics.scores import f_measure  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402

_T_IMPORTED = time.perf_counter()

METRICS = ("em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2", "rougeL", "bleu")


# lighteval's helm_normalizer (lighteval/metrics/normalizations.py), transcribed literally.
def helm_normalizer(text: str) -> str:
    def remove_articles(text: str) -> str:
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text: str) -> str:
        return " ".join(text.split())

    def homogeneize_numbers(text: str) -> str:
        try:
            return str(float(text))
        except ValueError:
            return text

    def remove_punc(text: str) -> str:
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text: str) -> str:
        return text.lower()

    def _tokenize(text: str) -> list[str]:
        return re.split(" |-", text)

    tokens = [
        white_space_fix(remove_articles(homogeneize_numbers(remove_punc(lower(t)))))
        for t in _tokenize(text)
    ]
    return " ".join([t for t in tokens if t != ""]).strip()


def exact_match(pred: str, gold: str, normalize: bool) -> float:
    # lighteval ExactMatches(strip_strings=True[, normalize_gold/pred=helm_normalizer])
    if not pred:
        return 0.0
    pred, gold = pred.strip(), gold.strip()
    if normalize:
        pred, gold = helm_normalizer(pred), helm_normalizer(gold)
    return 1.0 if pred == gold else 0.0


def token_set_f1(pred: str, gold: str, normalize: bool) -> float:
    # lighteval F1_score[(normalize_gold/pred=helm_normalizer)]
    if normalize:
        pred, gold = helm_normalizer(pred), helm_normalizer(gold)
    ret = f_measure(set(gold.split()), set(pred.split()))
    return 0.0 if ret is None else ret


def read_pairs(data_path: str, predictions_path: str) -> tuple[list[str], list[str]]:
    golds: list[str] = []
    with open(data_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                golds.append(json.loads(line)["response"])
    preds: list[str] = [""] * len(golds)
    with open(predictions_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                preds[int(row["index"])] = row["text"]
    return preds, golds


def _mean_stderr(xs: list[float]) -> tuple[float, float]:
    n = len(xs)
    mean = math.fsum(xs) / n
    if n < 2:
        return mean, 0.0
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    return mean, math.sqrt(var / n)


def compute(preds: list[str], golds: list[str]) -> dict[str, float]:
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    cols: dict[str, list[float]] = {m: [] for m in METRICS}
    for pred, gold in zip(preds, golds):
        cols["em"].append(exact_match(pred, gold, normalize=False))
        cols["qem"].append(exact_match(pred, gold, normalize=True))
        cols["f1"].append(token_set_f1(pred, gold, normalize=False))
        cols["f1_score_quasi"].append(token_set_f1(pred, gold, normalize=True))
        r = scorer.score(target=gold, prediction=pred)
        cols["rouge1"].append(r["rouge1"].fmeasure)
        cols["rouge2"].append(r["rouge2"].fmeasure)
        cols["rougeL"].append(r["rougeL"].fmeasure)
        cols["bleu"].append(sacrebleu.sentence_bleu(pred, [gold]).score)
    out: dict[str, float] = {}
    for m in METRICS:
        if m == "bleu":
            continue
        out[m], out[m + "_stderr"] = _mean_stderr(cols[m])
    # The aggregate BLEU is corpus BLEU (0-100), as lighteval reports it; the mean of the
    # per-example sentence BLEU is reported beside it (its stderr is not corpus BLEU's).
    out["bleu"] = sacrebleu.corpus_bleu(preds, [golds]).score
    out["bleu_sentence_mean"], out["bleu_sentence_stderr"] = _mean_stderr(cols["bleu"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="gen_qa metrics with the reference libraries")
    ap.add_argument("--data", required=True, help="gen_qa JSONL (golds = response)")
    ap.add_argument("--predictions", required=True, help='JSONL of {"index", "text"}')
    ap.add_argument("--out", help="write the report JSON here")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    preds, golds = read_pairs(a.data, a.predictions)
    t1 = time.perf_counter()
    metrics = compute(preds, golds)
    t2 = time.perf_counter()
    n = len(golds)
    report = {
        "n_pairs": n,
        "metrics": metrics,
        "import_s": _T_IMPORTED - _T_START,
        "read_s": t1 - t0,
        "compute_s": t2 - t1,
        "inprocess_s": t2 - t0,
        "pairs_per_s_compute": n / (t2 - t1),
        "pairs_per_s_inprocess": n / (t2 - t0),
        "versions": {
            "python": sys.version.split()[0],
            "sacrebleu": md.version("sacrebleu"),
            "rouge-score": md.version("rouge-score"),
            "nltk": md.version("nltk"),
        },
    }
    text = json.dumps(report, indent=2, sort_keys=True)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
