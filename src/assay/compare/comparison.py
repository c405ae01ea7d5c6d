"""Compare two finished runs of the same task on the same examples: the document that
``assay compare`` writes as ``comparison.json``.

Run A is the baseline, run B the challenger; every difference is B − A. Per metric: both
means over the pairs, the difference with a seeded paired bootstrap 95% CI (within subtasks
for benchmarks), the paired test that fits (:mod:`assay.compare.paired_stats`) and a plain
verdict (:mod:`assay.compare.verdict`). Examples that failed in either run, or that have no
value of a metric, are left out of that metric's pairs and counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError, DataError
from ..stats.bootstrap import DEFAULT_RESAMPLES
from .pairing import Pairing, pair_items
from .paired_stats import compare_paired, compare_strata, compare_win_rates, values_binary
from .run_data import TEXT_LABELS, WIN_RATE, ComparedRun, example_texts
from .verdict import plain_verdict, verdict_line

__all__ = ["CompareOptions", "compare_runs", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CompareOptions:
    metric: str | None = None              # the primary metric (default: the run's first)
    common_only: bool = False
    seed: int = 0
    n_resamples: int = DEFAULT_RESAMPLES
    alpha: float = 0.05
    lower_is_better: tuple[str, ...] = ()
    max_examples: int = 10                 # changed examples kept each way for the report
    metrics: tuple[str, ...] = field(default=())   # compare only these (default: all shared)


def _arrays(a: ComparedRun, b: ComparedRun, keys: list[str], metric: str
            ) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    xa = np.full(len(keys), math.nan)
    xb = np.full(len(keys), math.nan)
    fa = fb = both = 0
    for k, key in enumerate(keys):
        ia, ib = a.items[key], b.items[key]
        ga = ia.failed or metric in ia.failed_metrics
        gb = ib.failed or metric in ib.failed_metrics
        fa += ga
        fb += gb
        both += ga and gb
        if not ga:
            xa[k] = ia.values.get(metric, math.nan)
        if not gb:
            xb[k] = ib.values.get(metric, math.nan)
    excluded = int((np.isnan(xa) | np.isnan(xb)).sum())
    failed_either = fa + fb - both
    return xa, xb, {"failed_a": fa, "failed_b": fb, "failed_both": both,
                    "no_value": excluded - failed_either, "total": excluded}


def _tests(s: dict[str, Any]) -> dict[str, Any]:
    if s["test"] == "mcnemar_exact":
        return {"mcnemar_exact": {"p_value": s["p_value"], "a_only_correct": s["base_only_correct"],
                                  "b_only_correct": s["challenger_only_correct"],
                                  "both_correct": s["both_correct"], "both_wrong": s["both_wrong"]},
                "mcnemar_chi2": {"statistic": s["mcnemar_chi2"],
                                 "p_value": s["mcnemar_chi2_p_value"]}}
    if s["test"] == "sign_test":
        return {"sign_test": {"p_value": s["p_value"], "b_better": s["challenger_better"],
                              "b_worse": s["challenger_worse"], "unchanged": s["unchanged"]}}
    out = {"paired_t": {"statistic": s.get("t_statistic", math.nan), "df": max(s["n"] - 1, 0),
                        "p_value": s["p_value"]}}
    if "wilcoxon_p_value" in s:
        out["wilcoxon"] = {"statistic": s["wilcoxon_statistic"], "p_value": s["wilcoxon_p_value"]}
    return out


def _block(s: dict[str, Any], kind: str, higher: bool, alpha: float) -> dict[str, Any]:
    """A ``paired_stats`` dict (base/challenger) in comparison.json's A/B vocabulary."""
    return {"type": kind, "higher_is_better": higher, "a": s["base"], "b": s["challenger"],
            "difference": s["difference"], "ci_low": s["ci_low"], "ci_high": s["ci_high"],
            "ci_level": s["ci_level"], "bootstrap_resamples": s["bootstrap_resamples"],
            "n_pairs": s["n"], "test": s["test"], "p_value": s["p_value"], "tests": _tests(s),
            "verdict": plain_verdict(s["difference"], s["ci_low"], s["ci_high"], s["p_value"],
                                     alpha=alpha, higher_is_better=higher)}


def _compare_metric(a: ComparedRun, b: ComparedRun, keys: list[str], metric: str,
                    opts: CompareOptions) -> tuple[dict[str, Any], np.ndarray]:
    xa, xb, excluded = _arrays(a, b, keys, metric)
    higher = metric not in opts.lower_is_better and metric not in a.lower_is_better
    kw = {"n_resamples": opts.n_resamples, "seed": opts.seed, "alpha": opts.alpha}
    strata = None
    if metric == WIN_RATE and a.kind == "judge":
        kind, s = "win_rate", compare_win_rates(xa, xb, **kw)
    else:
        binary = values_binary(xa, xb)
        kind = "binary" if binary else "continuous"
        if a.kind == "benchmark":
            strata = [a.items[k].stratum or "" for k in keys]
        s = compare_paired(xa, xb, strata=strata, binary=binary, **kw)
    block = _block(s, kind, higher, opts.alpha)
    block["excluded"] = excluded
    block["stratified_by"] = "subtask" if strata is not None else None
    block["reported"] = {"a": a.reported(metric), "b": b.reported(metric)}
    if strata is not None and len(set(strata) - {""}) > 1:
        per = compare_strata(xa, xb, strata, binary=kind == "binary", **kw)
        block["subtasks"] = {sub: _block(v, kind, higher, opts.alpha) for sub, v in per.items()}
    return block, xb - xa if higher else xa - xb


def _check_metric(name: str, available: list[str], option: str) -> None:
    if name not in available:
        raise ConfigError(f"unknown metric {name[:80]!r}; the runs share: "
                          f"{', '.join(available) or 'none'}", field=option)


def _changed(keys: list[str], gain: np.ndarray, k: int) -> tuple[list[int], list[int]]:
    """Positions of the ``k`` largest losses and gains for B (failed pairs left out)."""
    ok = np.flatnonzero(~np.isnan(gain))
    order = ok[np.argsort(gain[ok], kind="stable")]
    worse = [int(i) for i in order if gain[i] < 0][:k]
    better = [int(i) for i in order[::-1] if gain[i] > 0][:k]
    return worse, better


def _examples(a: ComparedRun, b: ComparedRun, keys: list[str], metric: str, gain: np.ndarray,
              k: int) -> dict[str, Any]:
    worse, better = _changed(keys, gain, k)
    wanted = {keys[i] for i in worse + better}
    ta, tb = example_texts(a, wanted), example_texts(b, wanted)

    def row(i: int) -> dict[str, Any]:
        key = keys[i]
        va, vb = a.items[key].values.get(metric), b.items[key].values.get(metric)
        return {"key": key, "index": a.items[key].index, "a": va, "b": vb,
                "texts_a": ta.get(key, {}), "texts_b": tb.get(key, {})}

    return {"metric": metric, "labels": TEXT_LABELS.get(a.kind, TEXT_LABELS["metrics"]),
            "b_worse": [row(i) for i in worse], "b_better": [row(i) for i in better]}


def compare_runs(a: ComparedRun, b: ComparedRun, opts: CompareOptions | None = None
                 ) -> dict[str, Any]:
    """The comparison document of run ``a`` (baseline) and run ``b`` (challenger)."""
    opts = opts or CompareOptions()
    if a.task != b.task:
        raise DataError(f"cannot compare runs of different tasks: A is {a.task!r}, "
                        f"B is {b.task!r}")
    if a.match != b.match:
        raise ValueError("both runs must be read with the same match key")
    pairing: Pairing = pair_items(a, b, common_only=opts.common_only)
    shared = [m for m in a.metric_names if m in b.metric_names]
    for name in (*opts.metrics, *opts.lower_is_better):
        _check_metric(name, shared, "--metrics" if name in opts.metrics else "--lower-is-better")
    if opts.metric is not None:
        _check_metric(opts.metric, shared, "--metric")
    names = [m for m in shared if not opts.metrics or m in opts.metrics]
    if opts.metric and opts.metric not in names:
        names.insert(0, opts.metric)
    if not names:
        raise DataError("the runs share no metric to compare "
                        f"(A: {', '.join(a.metric_names) or 'none'}; "
                        f"B: {', '.join(b.metric_names) or 'none'})")
    primary = opts.metric or names[0]
    metrics: dict[str, Any] = {}
    gain_primary = None
    for name in names:
        metrics[name], gain = _compare_metric(a, b, pairing.keys, name, opts)
        if name == primary:
            gain_primary = gain
    block = metrics[primary]
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "task": a.task, "kind": a.kind,
        "a": a.info(), "b": b.info(),
        "match": a.match,
        "items": pairing.to_dict(),
        "settings": {"seed": opts.seed, "bootstrap_resamples": opts.n_resamples,
                     "alpha": opts.alpha, "ci_level": 0.95,
                     "rule": "significant when the paired test's p < alpha and the 95% CI "
                             "of B − A excludes 0"},
        "primary_metric": primary,
        "verdict": {"metric": primary, "verdict": block["verdict"],
                    "text": verdict_line(primary, block)},
        "metrics": metrics,
        "metrics_skipped": {"only_in_a": [m for m in a.metric_names if m not in shared],
                            "only_in_b": [m for m in b.metric_names if m not in shared]},
    }
    assert gain_primary is not None
    doc["examples"] = _examples(a, b, pairing.keys, primary, gain_primary, opts.max_examples)
    return doc
