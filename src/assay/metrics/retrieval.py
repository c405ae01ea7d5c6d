"""Model-free retrieval metrics of a RAG example, their run summary and a paired comparison of
two retrievers.

**Per query** (:func:`query_retrieval_metrics`, from the gains of
:func:`assay.metrics.passage_match.relevance_gains`): a retrieved passage is *relevant* when
its gain (the relevance of the reference context it is credited with) is > 0; ``R`` is the
number of reference contexts with relevance > 0. For every ``k`` in ``ks``:

* ``recall@k``: relevant passages in the top ``k`` / ``R`` (trec_eval ``recall_k``);
* ``precision@k``: relevant passages in the top ``k`` / ``k``, dividing by ``k`` even when fewer
  were retrieved (trec_eval ``P_k``);
* ``hit_rate@k``: 1 if any of the top ``k`` is relevant, else 0;
* ``ndcg@k``: trec_eval ``ndcg_cut_k``: DCG = Σ gain / log2(rank + 1) over the top ``k``
  (linear gain), divided by the DCG of the reference relevances sorted descending, cut at ``k``;

and ``mrr``: 1 / rank of the first relevant passage, 0 if none (not cut at ``k``; trec_eval
``recip_rank``). A query with no reference context of relevance > 0 gets ``None`` for every
metric (not 0): it cannot be scored, and the summary counts it apart.

**Summary** (:func:`summarise_retrieval`): per metric, over the queries that have references,
the mean, its standard error (``ddof=1``), ``n`` and a ``level`` interval from
:func:`assay.stats.intervals.metric_interval`, as every assay summary: a column whose values
are all 0 or 1 over the whole run (``hit_rate@k`` always; ``recall@k`` when every query has one
relevant context; ``precision@1``) gets the Wilson score interval of its successes, any other
``mean ± t(n-1)·stderr``, clipped to [0, 1]. Which columns are proportions is decided once for
the run, so all segments of a group-by field use the same kind of interval.

**Comparison** (:func:`compare_retrievers`): per metric,
:func:`assay.stats.paired.paired_comparison` on the queries both retrievers could score:
McNemar's exact test when both columns are 0/1, else a paired t-test; in both cases a seeded
paired bootstrap CI of the mean difference (second − first).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from assay.analysis.stratify import MISSING, group_value, missing_field_warning
from assay.data.rag_records import Passage, ReferenceContext
from assay.metrics.passage_match import DEFAULT_MATCH_THRESHOLD, relevance_gains
from assay.stats.bootstrap import DEFAULT_RESAMPLES
from assay.stats.intervals import finite_or_none, mean_stderr, metric_interval
from assay.stats.paired import comparison_verdict, paired_comparison
from assay.stats.proportion import is_binary, successes

__all__ = ["DEFAULT_KS", "metric_names", "from_gains", "query_retrieval_metrics",
           "summarise_retrieval", "compare_retrievers"]

#: the cut-offs reported by default
DEFAULT_KS: tuple[int, ...] = (1, 3, 5, 10)

_PER_K = ("recall", "precision", "hit_rate", "ndcg")


def metric_names(ks: Sequence[int] = DEFAULT_KS) -> list[str]:
    """The metric names for ``ks``, in report order: ``recall@k`` …, ``precision@k`` …,
    ``hit_rate@k`` …, ``ndcg@k`` …, ``mrr``."""
    return [f"{m}@{k}" for m in _PER_K for k in ks] + ["mrr"]


def _dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def from_gains(gains: Sequence[float], ideal_relevances: Sequence[float],
               ks: Sequence[int] = DEFAULT_KS) -> dict[str, float | None]:
    """The metrics of one query from its gains in rank order and the relevances of all its
    reference contexts (see the module docstring); all ``None`` when none is > 0."""
    if any(int(k) != k or k < 1 for k in ks):
        raise ValueError(f"every k must be a positive integer, got {list(ks)!r}")
    ideal = sorted((float(r) for r in ideal_relevances if r > 0), reverse=True)
    names = metric_names(ks)
    if not ideal:
        return {name: None for name in names}
    g = [float(x) for x in gains]
    rel = [x > 0 for x in g]
    out: dict[str, float | None] = {}
    for k in ks:
        out[f"recall@{k}"] = sum(rel[:k]) / len(ideal)
    for k in ks:
        out[f"precision@{k}"] = sum(rel[:k]) / k
    for k in ks:
        out[f"hit_rate@{k}"] = 1.0 if any(rel[:k]) else 0.0
    for k in ks:
        out[f"ndcg@{k}"] = _dcg(g[:k]) / _dcg(ideal[:k])
    first = next((i for i, r in enumerate(rel) if r), None)
    out["mrr"] = 0.0 if first is None else 1.0 / (first + 1)
    return out


def query_retrieval_metrics(passages: Sequence[Passage],
                            reference_contexts: Sequence[ReferenceContext],
                            ks: Sequence[int] = DEFAULT_KS,
                            threshold: float = DEFAULT_MATCH_THRESHOLD) -> dict[str, float | None]:
    """The metrics of one query: its retrieved passages in rank order against its reference
    contexts (matched by :mod:`assay.metrics.passage_match`)."""
    gains = relevance_gains(passages, reference_contexts, threshold)
    return from_gains(gains, [r.relevance for r in reference_contexts], ks)


def _names(per_query: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in per_query:
        for name in row:
            seen.setdefault(name, None)
    return list(seen)


def _column(per_query: Sequence[Mapping[str, Any]], name: str) -> list[float]:
    return [float("nan") if finite_or_none(r.get(name)) is None else float(r[name])
            for r in per_query]


def _scored(row: Mapping[str, Any]) -> bool:
    return any(finite_or_none(v) is not None for v in row.values())


def _metric(values: list[float], proportion: bool, level: float) -> dict[str, Any]:
    kept = [v for v in values if not math.isnan(v)]
    mean, stderr = mean_stderr(kept) if kept else (float("nan"), float("nan"))
    k = successes(kept)[0] if proportion and kept else None
    lo, hi = metric_interval(mean, stderr, len(kept), level=level, successes=k,
                             bounds=(0.0, 1.0))
    return {"value": finite_or_none(mean), "stderr": finite_or_none(stderr),
            "ci_low": finite_or_none(lo), "ci_high": finite_or_none(hi), "n": len(kept),
            "interval": "wilson" if proportion else "t"}


def _block(rows: Sequence[Mapping[str, Any]], names: list[str], proportions: set[str],
           level: float) -> dict[str, Any]:
    n_with = sum(1 for r in rows if _scored(r))
    return {"n": len(rows), "n_with_references": n_with, "n_without_references": len(rows) - n_with,
            "metrics": {name: _metric(_column(rows, name), name in proportions, level)
                        for name in names}}


def summarise_retrieval(per_query: Sequence[Mapping[str, Any]], *,
                        metadata: Sequence[Mapping[str, Any] | None] | None = None,
                        group_by: Sequence[str] = (), level: float = 0.95) -> dict[str, Any]:
    """The run summary of per-query metric dicts (:func:`query_retrieval_metrics`), with the
    same per segment of every ``group_by`` metadata field (``metadata``: one dict or ``None``
    per query, dataset order). Shape::

        {"n", "n_with_references", "n_without_references", "level",
         "metrics": {name: {"value", "stderr", "ci_low", "ci_high", "n", "interval"}},
         "groups": {field: {segment: {"n", "n_with_references", "n_without_references",
                                      "metrics": {...}}}},
         "warnings": [...]}

    ``interval`` is ``"wilson"`` or ``"t"`` (module docstring); ``None`` stands for a value that
    cannot be computed (no scored query; an interval from fewer than two values)."""
    if metadata is not None and len(metadata) != len(per_query):
        raise ValueError(f"metadata has {len(metadata)} entries for {len(per_query)} queries")
    names = _names(per_query)
    proportions = {name for name in names if is_binary(_column(per_query, name))}
    out = {**_block(per_query, names, proportions, level), "level": level}
    metas = list(metadata) if metadata is not None else [None] * len(per_query)
    groups: dict[str, Any] = {}
    warnings: list[str] = []
    for field in group_by:
        keys = [group_value(m, field) for m in metas]
        if keys and all(k == MISSING for k in keys):
            warnings.append(missing_field_warning(field))
        groups[field] = {seg: _block([r for r, key in zip(per_query, keys) if key == seg], names,
                                     proportions, level)
                         for seg in sorted(set(keys))}
    out["groups"] = groups
    out["warnings"] = warnings
    return out


def compare_retrievers(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], *,
                       names: tuple[str, str] = ("a", "b"), seed: int = 0,
                       n_resamples: int = DEFAULT_RESAMPLES,
                       alpha: float = 0.05) -> dict[str, dict[str, Any]]:
    """Per metric, two retrievers' per-query metrics on the same queries (same order) compared:
    :func:`assay.stats.paired.paired_comparison` with ``a`` as the base and ``b`` as the
    challenger (difference = b − a), binary (exact McNemar) when both columns are all 0/1;
    queries either side could not score (``None``) are dropped (``n_dropped``). Each result
    also names the two sides (``base_name``, ``challenger_name``) in its ``verdict``."""
    if len(a) != len(b):
        raise ValueError(f"the retrievers have {len(a)} and {len(b)} queries; need the same")
    out: dict[str, dict[str, Any]] = {}
    for name in [n for n in _names(a) if n in set(_names(b))]:
        x, y = _column(a, name), _column(b, name)
        binary = is_binary(x) and is_binary(y)
        res = paired_comparison(x, y, binary=binary, n_resamples=n_resamples, seed=seed,
                                alpha=alpha)
        res["verdict"] = comparison_verdict(res["difference"], res["ci_low"], res["ci_high"],
                                            res["p_value"], alpha=alpha, better=names[1],
                                            worse=names[0])
        res.update(base_name=names[0], challenger_name=names[1])
        out[name] = res
    return out
