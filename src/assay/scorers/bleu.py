"""``bleu``: sacrebleu's BLEU with any ``max_order`` and smoothing, on the 0-100 scale.

Reuses :mod:`assay.metrics.bleu` (sacrebleu's ``13a`` tokeniser and, for
``max_order=4``, its n-gram statistics) and follows ``sacrebleu.BLEU.compute_bleu``
for the score:

* statistics per example: ``[hyp_len, ref_len, m_1..m_N, t_1..t_N]`` (clipped n-gram
  matches and hypothesis n-gram counts, ``N = max_order``), after optional lowercasing
  and the ``13a`` (default) or ``none`` (whitespace split) tokeniser;
* brevity penalty ``exp(1 - ref/hyp)`` when ``hyp < ref`` (0 when ``hyp == 0``); 0 when
  no n-gram matches at all; for each order, stop at the first with no hypothesis
  n-grams; precision ``100 m/t``; a zero match count is smoothed by ``smooth``:
  ``"exp"`` ``100 / (2^k t)`` for the k-th zero so far (sacrebleu's default),
  ``"floor"`` ``100 * smooth_value / t`` (default 0.1), ``"add-k"`` adds
  ``smooth_value`` (default 1) to ``m`` and ``t`` of every order above 1, ``"none"``
  leaves it 0 (``log 0`` is floored at ``-9999999999``, so the score is 0);
  ``bleu = bp * exp(sum(log p_n) / N)``.

Per example (:meth:`BleuScorer.score_one`): ``sacrebleu.sentence_bleu`` with these
settings (``use_effective_order=True``: ``N`` is the number of orders before the
stop). Corpus (:meth:`BleuScorer.score`): ``sacrebleu.corpus_bleu`` (statistics summed
over examples, ``effective_order=False`` unless ``effective_order=True``), and
``bleu_stderr`` = the ``ddof=1`` deviation of corpus BLEU over ``n_resamples`` seeded
bootstrap resamples of the examples, as the gen_qa ``bleu``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from assay.errors import ConfigError
from assay.metrics.bleu import bleu_stats as bleu_stats_4
from assay.metrics.bleu import tokenize_13a
from assay.scorers.base import BaseScorer, ExampleScores, check_lengths
from assay.scorers.registry import register_scorer
from assay.stats.bootstrap import DEFAULT_RESAMPLES, resampled_sums
from assay.stats.intervals import sample_std

__all__ = ["SMOOTH_METHODS", "BLEU_TOKENIZERS", "ngram_stats", "compute_bleu", "BleuScorer", "bleu"]

SMOOTH_METHODS: dict[str, float | None] = {"none": None, "floor": 0.1, "add-k": 1.0, "exp": None}
BLEU_TOKENIZERS = ("13a", "none")
_LOG_ZERO = -9999999999
_NAN = float("nan")


def ngram_stats(hyp: Sequence[str], ref: Sequence[str], max_order: int) -> list[int]:
    """``[hyp_len, ref_len, m_1..m_N, t_1..t_N]`` of one hypothesis and one reference."""
    if max_order == 4:
        return bleu_stats_4(list(hyp), list(ref))
    hyp_len, ref_len = len(hyp), len(ref)
    correct = [0] * max_order
    total = [max(hyp_len - n + 1, 0) for n in range(1, max_order + 1)]
    for n in range(1, max_order + 1):
        if hyp_len < n or ref_len < n:
            break
        ref_counts = Counter(zip(*(ref[i:] for i in range(n))))
        hyp_counts = Counter(zip(*(hyp[i:] for i in range(n))))
        correct[n - 1] = sum(min(c, ref_counts[g]) for g, c in hyp_counts.items() if g in ref_counts)
        if correct[n - 1] == 0:
            break  # no shared n-gram, so no shared longer one
    return [hyp_len, ref_len, *correct, *total]


def compute_bleu(stats: Sequence[float], max_order: int, smooth: str = "exp",
                 smooth_value: float | None = None, effective_order: bool = False) -> float:
    """BLEU (0-100) from summed statistics, as ``sacrebleu.BLEU.compute_bleu``."""
    if smooth_value is None:
        smooth_value = SMOOTH_METHODS[smooth]
    sys_len, ref_len = int(stats[0]), int(stats[1])
    correct = [float(x) for x in stats[2:2 + max_order]]
    total = [float(x) for x in stats[2 + max_order:2 + 2 * max_order]]
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    if not any(correct):
        return 0.0
    precisions = [0.0] * max_order
    smooth_mteval = 1.0
    eff_order = max_order
    for n in range(1, max_order + 1):
        if smooth == "add-k" and n > 1:
            correct[n - 1] += smooth_value  # type: ignore[operator]
            total[n - 1] += smooth_value  # type: ignore[operator]
        if total[n - 1] == 0:
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            if smooth == "exp":
                smooth_mteval *= 2
                precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
            elif smooth == "floor":
                precisions[n - 1] = 100.0 * smooth_value / total[n - 1]  # type: ignore[operator]
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    logs = [math.log(p) if p != 0.0 else _LOG_ZERO for p in precisions[:eff_order]]
    return bp * math.exp(sum(logs) / eff_order)


class BleuScorer(BaseScorer):
    """Sentence BLEU per example, corpus BLEU (summed statistics) for the corpus."""

    metric = "bleu"
    corpus_level = True

    def __init__(self, *, max_order: int = 4, smooth: str = "exp", smooth_value: float | None = None,
                 lowercase: bool = False, tokenize: str = "13a", effective_order: bool = False,
                 n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> None:
        if not isinstance(max_order, int) or isinstance(max_order, bool) or not 1 <= max_order <= 10:
            raise ConfigError(f"max_order must be an integer from 1 to 10, got {max_order!r}",
                              field="max_order")
        if smooth not in SMOOTH_METHODS:
            raise ConfigError(f"smooth must be one of {', '.join(SMOOTH_METHODS)}, got {smooth!r}",
                              field="smooth")
        if smooth_value is not None and (isinstance(smooth_value, bool)
                                         or not isinstance(smooth_value, (int, float))
                                         or smooth_value < 0):
            raise ConfigError(f"smooth_value must be a number >= 0, got {smooth_value!r}",
                              field="smooth_value")
        if tokenize not in BLEU_TOKENIZERS:
            raise ConfigError(f"tokenize must be one of {', '.join(BLEU_TOKENIZERS)}, "
                              f"got {tokenize!r}", field="tokenize")
        if not isinstance(n_resamples, int) or n_resamples < 2:
            raise ConfigError("n_resamples must be an integer >= 2", field="n_resamples")
        self.max_order = max_order
        self.smooth = smooth
        self.smooth_value = SMOOTH_METHODS[smooth] if smooth_value is None else float(smooth_value)
        self.lowercase = bool(lowercase)
        self.tokenize = tokenize
        self.effective_order = bool(effective_order)
        self.n_resamples = n_resamples
        self.seed = int(seed)

    def tokens(self, text: str) -> list[str]:
        """sacrebleu's preprocessing of one segment (lowercase, then tokenise)."""
        if self.lowercase:
            text = text.lower()
        return tokenize_13a(text) if self.tokenize == "13a" else text.rstrip().split()

    def stats(self, prediction: str, ground_truth: str) -> list[int]:
        """The example's sufficient statistics (see module docstring)."""
        return ngram_stats(self.tokens(prediction), self.tokens(ground_truth), self.max_order)

    def _bleu(self, stats: Sequence[float], effective_order: bool) -> float:
        return compute_bleu(stats, self.max_order, self.smooth, self.smooth_value, effective_order)

    def score_one(self, prediction: str, ground_truth: str,
                  metadata: dict | None = None) -> ExampleScores:
        return ExampleScores({"bleu": self._bleu(self.stats(prediction, ground_truth), True)})

    def score(self, predictions: list[str], ground_truth: list[str],
              metadata: list[dict | None] | None = None) -> dict[str, float]:
        check_lengths(predictions, ground_truth, metadata)
        n = len(predictions)
        if n == 0:
            return {"bleu": _NAN, "bleu_stderr": _NAN, "n": 0.0}
        rows = np.array([self.stats(p, g) for p, g in zip(predictions, ground_truth)],
                        dtype=np.float64)
        value = self._bleu([int(v) for v in rows.sum(axis=0)], self.effective_order)
        if n < 2:
            stderr = 0.0
        else:
            sums = resampled_sums(rows, self.n_resamples, seed=self.seed)
            stderr = sample_std([self._bleu(row, self.effective_order) for row in sums])
        return {"bleu": value, "bleu_stderr": stderr, "n": float(n)}


@register_scorer("bleu")
def bleu(*, max_order: int = 4, smooth: str = "exp", smooth_value: float | None = None,
         lowercase: bool = False, tokenize: str = "13a", effective_order: bool = False,
         n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> BleuScorer:
    """BLEU 0-100 (sacrebleu): sentence BLEU per example, corpus BLEU with bootstrap stderr."""
    return BleuScorer(max_order=max_order, smooth=smooth, smooth_value=smooth_value,
                      lowercase=lowercase, tokenize=tokenize, effective_order=effective_order,
                      n_resamples=n_resamples, seed=seed)
