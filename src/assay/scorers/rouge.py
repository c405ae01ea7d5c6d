"""``rouge``: Google's ``rouge-score`` (``RougeScorer(rouge_types, use_stemmer)``), per example.

For each example, ``RougeScorer(rouge_types, use_stemmer).score(target=ground_truth,
prediction=prediction)``; the keys are the rouge types (F-measure) and, with
``precision_recall=True``, also ``<type>_precision`` and ``<type>_recall``. The corpus
value of each key is its mean with ``std(ddof=1)/sqrt(n)``.

* Tokens: rouge-score's default tokenizer (:func:`assay.metrics.rouge.rouge_tokenize`:
  lowercase, runs of ``[a-z0-9]``). With ``use_stemmer=True`` every token longer than 3
  characters is replaced by its Porter stem, as rouge-score does, with nltk's
  ``PorterStemmer()`` in its default ``NLTK_EXTENSIONS`` mode (rouge-score's
  ``tokenizers.DefaultTokenizer``; not ``ORIGINAL_ALGORITHM``). Stemming needs nltk
  (``pip install 'assay[nltk]'``); stems are memoised per token.
* ``rougeN`` (N = 1..9): clipped n-gram overlap ``o``; ``p = o / max(#pred n-grams, 1)``,
  ``r = o / max(#gold n-grams, 1)``; ``rougeL``: sentence-level longest common
  subsequence, 0 when either side has no token (:mod:`assay.metrics.rouge`);
  ``rougeLsum``: summary-level LCS over sentences split on ``"\\n"`` (rouge-score's
  ``_summary_level_lcs`` with its union-LCS backtracking, reproduced here);
  F-measure ``2 p r / (p + r)`` or 0.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache

from assay.errors import ConfigError, MissingDependency
from assay.metrics.rouge import fmeasure, lcs_length, rouge_tokenize
from assay.scorers.base import BaseScorer, ExampleScores
from assay.scorers.registry import register_scorer

__all__ = ["DEFAULT_ROUGE_TYPES", "porter_stem", "RougeScorer", "rouge"]

DEFAULT_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_ROUGE_N = re.compile(r"rouge([1-9])")


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    try:
        from nltk.stem import porter
    except ImportError:
        raise MissingDependency("nltk", "nltk", "rouge with use_stemmer=True") from None
    return porter.PorterStemmer().stem  # NLTK_EXTENSIONS mode, as rouge-score


@lru_cache(maxsize=1 << 16)
def porter_stem(token: str) -> str:
    """rouge-score's stem of one token (nltk ``PorterStemmer()``, default mode)."""
    return _stemmer()(token)


def _tokens(text: str, stem: bool) -> list[str]:
    tokens = rouge_tokenize(text)
    if stem:
        tokens = [porter_stem(t) if len(t) > 3 else t for t in tokens]
    return tokens


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _rouge_n(pred: list[str], gold: list[str], n: int) -> tuple[float, float, float]:
    p_grams, g_grams = _ngrams(pred, n), _ngrams(gold, n)
    overlap = sum(min(c, p_grams[g]) for g, c in g_grams.items())
    precision = overlap / max(sum(p_grams.values()), 1)
    recall = overlap / max(sum(g_grams.values()), 1)
    return precision, recall, fmeasure(precision, recall)


def _rouge_l(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    if not pred or not gold:
        return 0.0, 0.0, 0.0
    lcs = lcs_length(gold, pred)
    precision, recall = lcs / len(pred), lcs / len(gold)
    return precision, recall, fmeasure(precision, recall)


def _lcs_indices(ref: list[str], can: list[str]) -> list[int]:
    """rouge-score's ``lcs_ind``: one LCS as indices into ``ref`` (its table and backtrack)."""
    rows, cols = len(ref), len(can)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        prev, cur, r = table[i - 1], table[i], ref[i - 1]
        for j in range(1, cols + 1):
            if r == can[j - 1]:
                cur[j] = prev[j - 1] + 1
            else:
                cur[j] = prev[j] if prev[j] > cur[j - 1] else cur[j - 1]
    i, j = rows, cols
    out: list[int] = []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            out.append(i - 1)
            i -= 1
            j -= 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    out.reverse()
    return out


def _rouge_lsum(pred_text: str, gold_text: str, stem: bool) -> tuple[float, float, float]:
    ref_sents = [_tokens(s, stem) for s in gold_text.split("\n") if len(s)]
    can_sents = [_tokens(s, stem) for s in pred_text.split("\n") if len(s)]
    if not ref_sents or not can_sents:
        return 0.0, 0.0, 0.0
    m = sum(map(len, ref_sents))
    n = sum(map(len, can_sents))
    if not n or not m:
        return 0.0, 0.0, 0.0
    counts_r: Counter = Counter()
    counts_c: Counter = Counter()
    for s in ref_sents:
        counts_r.update(s)
    for s in can_sents:
        counts_c.update(s)
    hits = 0
    for r in ref_sents:
        union = sorted(set().union(*(_lcs_indices(r, c) for c in can_sents)))
        for t in (r[i] for i in union):
            if counts_c[t] > 0 and counts_r[t] > 0:
                hits += 1
                counts_c[t] -= 1
                counts_r[t] -= 1
    recall, precision = hits / m, hits / n
    return precision, recall, fmeasure(precision, recall)


class RougeScorer(BaseScorer):
    """ROUGE F-measures (and optionally precision and recall) per example."""

    def __init__(self, *, rouge_types: Sequence[str] = DEFAULT_ROUGE_TYPES,
                 use_stemmer: bool = False, precision_recall: bool = False) -> None:
        if isinstance(rouge_types, str):
            rouge_types = [rouge_types]
        types = list(dict.fromkeys(str(t).strip() for t in rouge_types))
        if not types:
            raise ConfigError("rouge_types must name at least one type", field="rouge_types")
        for t in types:
            if t not in ("rougeL", "rougeLsum") and not _ROUGE_N.fullmatch(t):
                raise ConfigError(f"unknown rouge type '{t}' (rouge1..rouge9, rougeL, rougeLsum)",
                                  field="rouge_types")
        self.rouge_types: tuple[str, ...] = tuple(types)
        self.use_stemmer = bool(use_stemmer)
        self.precision_recall = bool(precision_recall)
        self.metric = self.rouge_types[0]  # type: ignore[misc]
        if self.use_stemmer:
            _stemmer()  # fail now if nltk is missing

    def tokens(self, text: str) -> list[str]:
        """rouge-score's tokens of ``text`` (stemmed when ``use_stemmer``)."""
        return _tokens(text, self.use_stemmer)

    def score_one(self, prediction: str, ground_truth: str,
                  metadata: dict | None = None) -> ExampleScores:
        needs_tokens = any(t != "rougeLsum" for t in self.rouge_types)
        pred = self.tokens(prediction) if needs_tokens else []
        gold = self.tokens(ground_truth) if needs_tokens else []
        out: dict[str, float] = {}
        for t in self.rouge_types:
            if t == "rougeL":
                p, r, f = _rouge_l(pred, gold)
            elif t == "rougeLsum":
                p, r, f = _rouge_lsum(prediction, ground_truth, self.use_stemmer)
            else:
                p, r, f = _rouge_n(pred, gold, int(t[5:]))
            out[t] = f
            if self.precision_recall:
                out[f"{t}_precision"] = p
                out[f"{t}_recall"] = r
        return ExampleScores(out)


@register_scorer("rouge")
def rouge(*, rouge_types: Sequence[str] = DEFAULT_ROUGE_TYPES, use_stemmer: bool = False,
          precision_recall: bool = False) -> RougeScorer:
    """ROUGE-N / ROUGE-L / ROUGE-Lsum F-measures (rouge-score), mean over examples."""
    return RougeScorer(rouge_types=rouge_types, use_stemmer=use_stemmer,
                       precision_recall=precision_recall)
