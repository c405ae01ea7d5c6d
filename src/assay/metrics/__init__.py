"""Per-example scorers and their aggregation.

* :mod:`assay.metrics.genqa`: the gen_qa metric set (``GenQAScorer``, ``resolve_metrics``).
* :mod:`assay.metrics.exact_match`: ``em`` and ``qem``.
* :mod:`assay.metrics.token_f1`: ``f1`` and ``f1_score_quasi``.
* :mod:`assay.metrics.rouge`: ``rouge1``, ``rouge2``, ``rougeL`` (rouge-score compatible).
* :mod:`assay.metrics.bleu`: sentence and corpus BLEU (sacrebleu compatible).
* :mod:`assay.metrics.normalize`: lighteval's HELM answer normaliser.
* :mod:`assay.metrics.aggregate`: mean with standard error, for any mean-aggregated metric.

The implementations are self-contained (no sacrebleu / rouge-score at run time);
the tests check them against those libraries.
"""

from __future__ import annotations

from assay.metrics.aggregate import AGGREGATIONS, STDERR_SUFFIX, aggregate_values, mean_with_stderr
from assay.metrics.bleu import corpus_bleu, sentence_bleu, tokenize_13a
from assay.metrics.exact_match import exact_match, quasi_exact_match
from assay.metrics.genqa import GEN_QA_METRICS, METRIC_ALIASES, GenQAScorer, resolve_metrics
from assay.metrics.normalize import helm_normalize
from assay.metrics.rouge import lcs_length, rouge_tokenize
from assay.metrics.token_f1 import quasi_token_f1, token_f1

__all__ = [
    "AGGREGATIONS",
    "GEN_QA_METRICS",
    "METRIC_ALIASES",
    "STDERR_SUFFIX",
    "aggregate_values",
    "GenQAScorer",
    "corpus_bleu",
    "exact_match",
    "helm_normalize",
    "lcs_length",
    "mean_with_stderr",
    "quasi_exact_match",
    "quasi_token_f1",
    "resolve_metrics",
    "rouge_tokenize",
    "sentence_bleu",
    "token_f1",
    "tokenize_13a",
]
