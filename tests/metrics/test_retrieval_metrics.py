"""Retrieval metrics against pytrec_eval (trec_eval), hand-worked hit rates and text matching,
the run summary's intervals (Wilson / Student t) and segments, and the paired comparison."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import pytrec_eval
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from assay.data.rag_records import Passage, ReferenceContext
from assay.metrics.retrieval import (
    DEFAULT_KS,
    compare_retrievers,
    from_gains,
    metric_names,
    query_retrieval_metrics,
    summarise_retrieval,
)

KS = (1, 3, 5, 10)

# qrels: graded relevance (0 = judged non-relevant), runs: distinct scores (trec_eval sorts by
# score, descending)
QRELS = {
    # graded, relevant docs at ranks 2 and 4, one relevant never retrieved
    "q1": {"d1": 2, "d2": 1, "d3": 3, "d9": 0},
    # a single relevant document at rank 1; only 2 retrieved (fewer than every k > 2)
    "q2": {"d5": 1},
    # relevant documents exist but none is retrieved
    "q3": {"d7": 1, "d8": 2},
    # many relevant, graded, retrieved out of ideal order, 12 retrieved (beyond k = 10)
    "q4": {f"e{i}": (i % 3) + 1 for i in range(8)},
    # a judged-non-relevant document retrieved first, relevant one at rank 3
    "q5": {"f1": 0, "f2": 1},
}
RUNS = {
    "q1": {"x1": 9.0, "d1": 8.0, "x2": 7.0, "d2": 6.0, "d9": 5.0, "x3": 4.0},
    "q2": {"d5": 2.0, "x4": 1.0},
    "q3": {"x5": 3.0, "x6": 2.5, "x7": 2.0},
    "q4": {"e7": 12.0, "z1": 11.0, "e0": 10.0, "e2": 9.0, "z2": 8.0, "e5": 7.0, "e1": 6.0,
           "z3": 5.0, "e4": 4.0, "e3": 3.0, "e6": 2.0, "z4": 1.0},
    "q5": {"f1": 3.0, "z9": 2.0, "f2": 1.0},
}


def _trec_measures(ks: tuple[int, ...]) -> set[str]:
    cut = ",".join(str(k) for k in ks)
    return {f"recall.{cut}", f"P.{cut}", f"ndcg_cut.{cut}", "recip_rank"}


def _assay(qrels: dict, run: dict, ks: tuple[int, ...]) -> dict[str, float | None]:
    ranked = sorted(run.items(), key=lambda kv: -kv[1])
    passages = [Passage(text=f"text of {d}", id=d, score=s) for d, s in ranked]
    refs = [ReferenceContext(text=f"reference {d}", id=d, relevance=float(r))
            for d, r in qrels.items()]
    return query_retrieval_metrics(passages, refs, ks=ks)


def _check_against_trec(qrels: dict, runs: dict, ks: tuple[int, ...]) -> None:
    trec = pytrec_eval.RelevanceEvaluator(qrels, _trec_measures(ks)).evaluate(runs)
    for q in runs:
        ours = _assay(qrels[q], runs[q], ks)
        for k in ks:
            assert ours[f"recall@{k}"] == pytest.approx(trec[q][f"recall_{k}"], abs=1e-12), (q, k)
            assert ours[f"precision@{k}"] == pytest.approx(trec[q][f"P_{k}"], abs=1e-12), (q, k)
            assert ours[f"ndcg@{k}"] == pytest.approx(trec[q][f"ndcg_cut_{k}"], abs=1e-12), (q, k)
        assert ours["mrr"] == pytest.approx(trec[q]["recip_rank"], abs=1e-12), q


def test_golden_cases_match_trec_eval() -> None:
    _check_against_trec(QRELS, RUNS, KS)


def test_golden_values_are_not_trivial() -> None:
    # guard that the golden set exercises the edges it claims to
    q2 = _assay(QRELS["q2"], RUNS["q2"], KS)
    assert q2["precision@10"] == pytest.approx(1 / 10)     # 1 relevant / k, 2 retrieved
    q3 = _assay(QRELS["q3"], RUNS["q3"], KS)
    assert q3["mrr"] == 0.0 and q3["ndcg@10"] == 0.0 and q3["recall@10"] == 0.0
    q5 = _assay(QRELS["q5"], RUNS["q5"], KS)
    assert q5["mrr"] == pytest.approx(1 / 3)                # relevance-0 doc at rank 1 ignored


def test_random_cases_match_trec_eval() -> None:
    rng = random.Random(20261206)
    qrels, runs = {}, {}
    for q in range(40):
        pool = [f"d{i}" for i in range(rng.randint(3, 25))]
        judged = rng.sample(pool, rng.randint(1, len(pool)))
        qrels[f"q{q}"] = {d: rng.choice([0, 1, 1, 2, 3]) for d in judged}
        if not any(qrels[f"q{q}"].values()):
            qrels[f"q{q}"][judged[0]] = 1
        retrieved = rng.sample(pool, rng.randint(1, len(pool)))
        scores = rng.sample(range(1000), len(retrieved))   # distinct: no ties
        runs[f"q{q}"] = {d: float(s) for d, s in zip(retrieved, scores)}
    _check_against_trec(qrels, runs, (1, 2, 3, 5, 10, 20))


def test_hit_rate_hand_worked() -> None:
    # gains by rank: [0, 0, 1, 0]; 2 relevant references
    m = from_gains([0, 0, 1, 0], [1, 1], ks=(1, 3, 5))
    # hit@1: top 1 = [0] -> no relevant -> 0; hit@3: top 3 has the rank-3 hit -> 1; hit@5: 1
    assert (m["hit_rate@1"], m["hit_rate@3"], m["hit_rate@5"]) == (0.0, 1.0, 1.0)
    # recall@3 = 1 of 2 = 0.5; precision@5 = 1 / 5 = 0.2 (only 4 retrieved); mrr = 1/3
    assert m["recall@3"] == 0.5 and m["precision@5"] == 0.2
    assert m["mrr"] == pytest.approx(1 / 3)
    # ndcg@3 = (1/log2(4)) / (1/log2(2) + 1/log2(3)) = 0.5 / (1 + 0.6309298) = 0.3065736
    assert m["ndcg@3"] == pytest.approx(0.5 / (1 + 1 / math.log2(3)), abs=1e-12)
    assert from_gains([], [1], ks=(1,))["hit_rate@1"] == 0.0


def test_text_matching_hand_worked() -> None:
    refs = [ReferenceContext("The fiscal year ended December 31, 2022."),
            ReferenceContext("Commission File No. 000-22513")]
    passages = [
        Passage("AMAZON.COM, INC. (Exact name of registrant)"),                 # no match
        # contains ref 0's 7 tokens "the fiscal year ended december 31 2022": overlap 7/7
        Passage("AMAZON.COM FORM 10-K For the Fiscal Year Ended December 31, 2022"),
        Passage("commission file no. 000-22513"),                               # equal -> ref 1
    ]
    m = query_retrieval_metrics(passages, refs, ks=(1, 3))
    # gains [0, 1, 1]: hit@1 = 0, hit@3 = 1, recall@3 = 2/2, precision@3 = 2/3, mrr = 1/2
    assert m["hit_rate@1"] == 0.0 and m["hit_rate@3"] == 1.0
    assert m["recall@3"] == 1.0 and m["precision@3"] == pytest.approx(2 / 3)
    assert m["mrr"] == 0.5
    # ndcg@3 = (1/log2 3 + 1/log2 4) / (1/log2 2 + 1/log2 3)
    assert m["ndcg@3"] == pytest.approx((1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3)))


def test_query_without_references_is_none() -> None:
    m = query_retrieval_metrics([Passage("a b c", id="x")], [], ks=DEFAULT_KS)
    assert list(m) == metric_names(DEFAULT_KS) and all(v is None for v in m.values())
    # reference contexts of relevance 0 only: still no relevant reference
    m0 = query_retrieval_metrics([Passage("a b c", id="x")], [ReferenceContext("a", "x", 0.0)])
    assert all(v is None for v in m0.values())
    with pytest.raises(ValueError):
        from_gains([1], [1], ks=(0,))


def _per_query() -> tuple[list[dict], list[dict | None]]:
    rows, metas = [], []
    rng = random.Random(7)
    for i in range(30):
        n_rel = 1 + (i % 3)
        gains = [rng.choice([0, 0, 1]) for _ in range(6)]
        rows.append(from_gains(gains, [1] * n_rel, ks=(1, 3)))
        metas.append({"domain": "finance" if i % 2 else "legal"} if i % 5 else None)
    rows.append(from_gains([1], [], ks=(1, 3)))          # a query without references
    metas.append({"domain": "legal"})
    return rows, metas


def test_summary_intervals() -> None:
    rows, metas = _per_query()
    s = summarise_retrieval(rows, metadata=metas, group_by=["domain"])
    assert (s["n"], s["n_with_references"], s["n_without_references"]) == (31, 30, 1)
    # hit_rate@3: 0/1 values -> Wilson interval (statsmodels)
    hits = [r["hit_rate@3"] for r in rows[:30]]
    h = s["metrics"]["hit_rate@3"]
    lo, hi = proportion_confint(int(sum(hits)), 30, alpha=0.05, method="wilson")
    assert h["interval"] == "wilson" and h["n"] == 30
    assert h["value"] == pytest.approx(sum(hits) / 30)
    assert (h["ci_low"], h["ci_high"]) == (pytest.approx(lo, abs=1e-12), pytest.approx(hi, abs=1e-12))
    # precision@1 is always 0/1 -> Wilson; recall@3 has 1/2, 1/3 values -> t interval
    assert s["metrics"]["precision@1"]["interval"] == "wilson"
    rec = np.array([r["recall@3"] for r in rows[:30]])
    r = s["metrics"]["recall@3"]
    assert r["interval"] == "t"
    se = rec.std(ddof=1) / math.sqrt(30)
    half = stats.t.ppf(0.975, 29) * se
    assert r["stderr"] == pytest.approx(se, abs=1e-12)
    assert r["ci_low"] == pytest.approx(max(0.0, rec.mean() - half), abs=1e-9)
    assert r["ci_high"] == pytest.approx(min(1.0, rec.mean() + half), abs=1e-9)
    # level is honoured
    s90 = summarise_retrieval(rows, level=0.90)
    lo90, _ = proportion_confint(int(sum(hits)), 30, alpha=0.10, method="wilson")
    assert s90["metrics"]["hit_rate@3"]["ci_low"] == pytest.approx(lo90, abs=1e-12)


def test_recall_with_one_relevant_each_is_wilson() -> None:
    rows = [from_gains(g, [1], ks=(3,)) for g in ([1], [0, 1], [0, 0, 0], [0, 0, 0, 1], [1])]
    s = summarise_retrieval(rows)
    # recall@3 values [1, 1, 0, 0, 1] -> 3 of 5
    rec = s["metrics"]["recall@3"]
    lo, hi = proportion_confint(3, 5, method="wilson")
    assert rec["interval"] == "wilson" and rec["value"] == pytest.approx(0.6)
    assert (rec["ci_low"], rec["ci_high"]) == (pytest.approx(lo, abs=1e-12), pytest.approx(hi, abs=1e-12))


def test_summary_segments() -> None:
    rows, metas = _per_query()
    s = summarise_retrieval(rows, metadata=metas, group_by=["domain", "nope"])
    seg = s["groups"]["domain"]
    assert set(seg) == {"finance", "legal", "(missing)"}
    legal = [i for i, m in enumerate(metas) if m and m["domain"] == "legal"]
    assert seg["legal"]["n"] == len(legal) and seg["legal"]["n_without_references"] == 1
    vals = [rows[i]["ndcg@3"] for i in legal if rows[i]["ndcg@3"] is not None]
    assert seg["legal"]["metrics"]["ndcg@3"]["value"] == pytest.approx(np.mean(vals))
    assert seg["legal"]["metrics"]["ndcg@3"]["n"] == len(vals)
    # the kind of interval is decided for the whole run: the same in every segment
    assert all(body["metrics"]["hit_rate@1"]["interval"] == "wilson" for body in seg.values())
    assert sum(body["n"] for body in seg.values()) == 31
    assert s["groups"]["nope"].keys() == {"(missing)"} and len(s["warnings"]) == 1
    with pytest.raises(ValueError):
        summarise_retrieval(rows, metadata=metas[:3])


def test_summary_empty_and_all_missing() -> None:
    s = summarise_retrieval([from_gains([1], [], ks=(1,))])
    assert s["n_without_references"] == 1
    assert s["metrics"]["mrr"] == {"value": None, "stderr": None, "ci_low": None,
                                   "ci_high": None, "n": 0, "interval": "t"}


def test_compare_retrievers_mcnemar_and_t() -> None:
    rng = random.Random(3)
    a, b = [], []
    for _ in range(40):
        refs = [1.0, 2.0]
        a.append(from_gains([rng.choice([0, 0, 1, 2]) for _ in range(3)], refs, ks=(1, 3)))
        b.append(from_gains([rng.choice([0, 1, 2, 2]) for _ in range(3)], refs, ks=(1, 3)))
    a.append(from_gains([1], [], ks=(1, 3)))              # no references: dropped
    b.append(from_gains([1], [1], ks=(1, 3)))
    out = compare_retrievers(a, b, names=("bm25", "dense"), seed=5)
    # hit_rate@3: both 0/1 -> exact McNemar = two-sided binomial test of the discordant pairs
    h = out["hit_rate@3"]
    x = np.array([r["hit_rate@3"] for r in a[:40]])
    y = np.array([r["hit_rate@3"] for r in b[:40]])
    n10, n01 = int(((x == 1) & (y == 0)).sum()), int(((x == 0) & (y == 1)).sum())
    assert h["test"] == "mcnemar_exact" and h["n"] == 40 and h["n_dropped"] == 1
    assert (h["base_only_correct"], h["challenger_only_correct"]) == (n10, n01)
    table = [[int(((x == 1) & (y == 1)).sum()), n10], [n01, int(((x == 0) & (y == 0)).sum())]]
    assert h["p_value"] == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-12)
    if n10 + n01:
        assert h["p_value"] == pytest.approx(stats.binomtest(n10, n10 + n01, 0.5).pvalue,
                                             abs=1e-12)
    assert h["difference"] == pytest.approx(y.mean() - x.mean())
    assert h["base_name"] == "bm25" and h["challenger_name"] == "dense"
    # ndcg@3: continuous -> paired t-test (scipy)
    nd = out["ndcg@3"]
    xa = np.array([r["ndcg@3"] for r in a[:40]])
    yb = np.array([r["ndcg@3"] for r in b[:40]])
    assert nd["test"] == "paired_t"
    assert nd["p_value"] == pytest.approx(stats.ttest_rel(yb, xa).pvalue, abs=1e-12)
    assert nd["ci_low"] <= nd["difference"] <= nd["ci_high"]
    assert any(w in nd["verdict"] for w in ("dense", "bm25", "no significant"))
    # seeded: the same seed gives the same bootstrap interval
    again = compare_retrievers(a, b, names=("bm25", "dense"), seed=5)
    assert again["ndcg@3"]["ci_low"] == nd["ci_low"]
    with pytest.raises(ValueError):
        compare_retrievers(a, b[:-1])
