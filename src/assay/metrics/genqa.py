"""The gen_qa metric set of the Nova evaluation container (lighteval definitions).

``em, qem, f1, f1_score_quasi, rouge1, rouge2, rougeL`` are per-example scores in
[0, 1] aggregated by their mean; ``bleu`` is on the 0-100 scale, reported per example
as sentence BLEU (``sacrebleu.sentence_bleu``) and aggregated as corpus BLEU over
the summed per-example statistics (``sacrebleu.corpus_bleu``), as lighteval does.
See the module of each metric for its exact definition.

Usage::

    scorer = GenQAScorer(resolve_metrics(None))
    values, states = scorer.score(prediction, gold)          # one example
    ...                                                      # collect into arrays
    summary = scorer.aggregate(values_arrays, states_arrays)  # {"em": ..., "em_stderr": ...}

Failed examples are recorded as NaN (values) or NaN rows (states) and are skipped
by :meth:`GenQAScorer.aggregate`: every aggregate is over the valid examples only.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import numpy as np

from assay.errors import ConfigError
from assay.metrics.aggregate import STDERR_SUFFIX, mean_with_stderr
from assay.metrics.bleu import (
    N_STATS,
    bleu_from_stats,
    bleu_from_stats_batch,
    bleu_stats,
    tokenize_13a,
)
from assay.metrics.normalize import helm_normalize
from assay.metrics.rouge import rouge_fmeasures, rouge_tokenize
from assay.metrics.token_f1 import set_f1
from assay.stats.bootstrap import DEFAULT_RESAMPLES, resampled_sums
from assay.stats.intervals import sample_std

__all__ = ["GEN_QA_METRICS", "METRIC_ALIASES", "resolve_metrics", "GenQAScorer"]

GEN_QA_METRICS: tuple[str, ...] = ("em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2", "rougeL", "bleu")

# The long names the AWS documentation uses for the same metrics.
METRIC_ALIASES: dict[str, str] = {
    "exact_match": "em",
    "quasi_exact_match": "qem",
    "f1_score": "f1",
}

_NAN = float("nan")


def resolve_metrics(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """Validate metric names and return them in canonical (``GEN_QA_METRICS``) order.

    ``None``, ``"all"`` or a list containing ``"all"`` selects every metric; the
    documentation's long names (``exact_match``, ``quasi_exact_match``, ``f1_score``)
    are accepted. An unknown name raises :class:`~assay.errors.ConfigError` on field
    ``metrics`` with a did-you-mean suggestion; an empty selection raises too.
    """
    if names is None:
        return GEN_QA_METRICS
    if isinstance(names, str):
        names = [names]
    chosen: set[str] = set()
    for raw in names:
        name = str(raw).strip()
        if name == "all":
            return GEN_QA_METRICS
        name = METRIC_ALIASES.get(name, name)
        if name not in GEN_QA_METRICS:
            known = [*GEN_QA_METRICS, *METRIC_ALIASES]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            if not close:
                close = [k for k in known if k.lower() == name.lower()]
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(
                f"unknown metric '{raw}'{hint} (choose from {', '.join(GEN_QA_METRICS)} or 'all')",
                field="metrics",
            )
        chosen.add(name)
    if not chosen:
        raise ConfigError("no metric selected (name at least one, or 'all')", field="metrics")
    return tuple(m for m in GEN_QA_METRICS if m in chosen)


class GenQAScorer:
    """Scores (prediction, gold) pairs with a fixed selection of gen_qa metrics.

    Each text is tokenised once per call for all the metrics that share a
    tokenisation (whitespace, HELM-normalised, rouge, 13a). Inputs must be ``str``.
    """

    def __init__(self, metrics: Sequence[str] | None = None) -> None:
        self.metrics: tuple[str, ...] = resolve_metrics(metrics)
        chosen = set(self.metrics)
        self._em = "em" in chosen
        self._qem = "qem" in chosen
        self._f1 = "f1" in chosen
        self._f1q = "f1_score_quasi" in chosen
        self._rouge = not chosen.isdisjoint(("rouge1", "rouge2", "rougeL"))
        self._bleu = "bleu" in chosen

    def __repr__(self) -> str:
        return f"GenQAScorer({list(self.metrics)!r})"

    def score(self, prediction: str, gold: str) -> tuple[dict[str, float], dict[str, list[float]]]:
        """Per-example values and the per-example state needed for corpus aggregation.

        The state is ``{"bleu": [hyp_len, ref_len, m1..m4, t1..t4]}`` when ``bleu`` is
        selected (sacrebleu's sufficient statistics), else empty.
        """
        values: dict[str, float] = {}
        states: dict[str, list[float]] = {}
        if self._em:
            values["em"] = 1.0 if prediction and prediction.strip() == gold.strip() else 0.0
        if self._qem or self._f1q:
            # helm_normalize(s.strip()) == helm_normalize(s): qem's strip changes nothing here.
            norm_pred, norm_gold = helm_normalize(prediction), helm_normalize(gold)
            if self._qem:
                values["qem"] = 1.0 if prediction and norm_pred == norm_gold else 0.0
            if self._f1q:
                values["f1_score_quasi"] = set_f1(set(norm_gold.split()), set(norm_pred.split()))
        if self._f1:
            values["f1"] = set_f1(set(gold.split()), set(prediction.split()))
        if self._rouge:
            r1, r2, rl = rouge_fmeasures(rouge_tokenize(prediction), rouge_tokenize(gold))
            values["rouge1"], values["rouge2"], values["rougeL"] = r1, r2, rl
        if self._bleu:
            stats = bleu_stats(tokenize_13a(prediction), tokenize_13a(gold))
            values["bleu"] = bleu_from_stats(stats, effective_order=True)
            states["bleu"] = [float(v) for v in stats]
        return {m: values[m] for m in self.metrics}, states

    def score_all(self, predictions: Sequence[str], golds: Sequence[str]
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """:meth:`score` over aligned sequences, stacked into arrays for :meth:`aggregate`."""
        if len(predictions) != len(golds):
            raise ValueError("predictions and golds differ in length")
        cols: dict[str, list[float]] = {m: [] for m in self.metrics}
        rows: list[list[float]] = []
        for pred, gold in zip(predictions, golds):
            values, states = self.score(pred, gold)
            for m, v in values.items():
                cols[m].append(v)
            if self._bleu:
                rows.append(states["bleu"])
        value_arrays = {m: np.asarray(v, dtype=np.float64) for m, v in cols.items()}
        state_arrays = {"bleu": np.asarray(rows, dtype=np.float64).reshape(-1, N_STATS)} if self._bleu else {}
        return value_arrays, state_arrays

    def aggregate(self, values: dict[str, np.ndarray], states: dict[str, np.ndarray], *,
                  seed: int = 0) -> dict[str, float]:
        """``{metric: value, metric + "_stderr": stderr}`` for every selected metric.

        Mean metrics: mean and ``std(ddof=1)/sqrt(n)`` of the non-NaN values (stderr 0.0
        for one value). ``bleu``: corpus BLEU of the summed statistics of the rows of
        ``states["bleu"]`` that are entirely finite; its stderr is the ``ddof=1``
        deviation of corpus BLEU over 1000 bootstrap resamples of those rows
        (``Generator(PCG64(seed))``, chunked). No valid example gives NaN for both.
        """
        out: dict[str, float] = {}
        for m in self.metrics:
            if m == "bleu":
                value, stderr = _corpus_bleu_with_stderr(states.get("bleu"), seed)
                out[m], out[m + STDERR_SUFFIX] = value, stderr
            else:
                out.update(mean_with_stderr(m, values.get(m, ())))
        return out


def _corpus_bleu_with_stderr(states: object, seed: int) -> tuple[float, float]:
    if states is None:
        return _NAN, _NAN
    arr = np.asarray(states, dtype=np.float64).reshape(-1, N_STATS)
    valid = arr[np.isfinite(arr).all(axis=1)]
    if valid.shape[0] == 0:
        return _NAN, _NAN
    totals = [int(v) for v in valid.sum(axis=0)]
    value = bleu_from_stats(totals)
    boot = bleu_from_stats_batch(resampled_sums(valid, DEFAULT_RESAMPLES, seed=seed))
    return value, sample_std(boot)
