"""RAG retrieval on BoolQ: BM25 vs dense vs hybrid with CIs and paired tests, and an end-to-end
retrieve-and-generate run with the embedded model (``docs/rag_retrieval.md``).

**The set** (nothing is downloaded): SuperGLUE BoolQ validation
(``superglue_boolq_val.jsonl``, 3,270 rows of question, passage, idx, label). The corpus is every
distinct passage (exact text), id ``boolq-p<n>`` in first-seen order, written as a JSONL corpus
``corpus/boolq_passages.jsonl``; the queries are every question as a Bedrock RAG row without
output (the knowledge base retrieves): prompt = the question with a ``?``, one reference context
= its passage with ``metadata.id`` = the passage id, reference response ``Yes.``/``No.`` from the
label, ``category`` = the label (``true``/``false``).

**Steps**, each a whole ``assay`` process timed by wall clock::

    assay kb build corpus -o boolq.kb --chunk-words 400 --overlap 0 --progress plain
    assay run recipe_<method>.yaml --output-dir runs --group-by category --progress plain
        # method = bm25, dense, hybrid; retrieve-only, top_k 10, ks [1, 3, 5, 10], no judge

then :func:`assay.metrics.retrieval.compare_retrievers` on the three runs' per-query metrics
(``examples.jsonl``), pairwise, and an independent check of the BM25 run's recall@10 and MRR
with ``pytrec_eval``. ``--generate N`` (default 20; 0 skips it) adds a retrieve-and-generate
run of the first N queries: ``local/smollm2`` answers from the hybrid top 3 and judges
Correctness and Faithfulness. Writes ``bench/out/rag_boolq/summary.json`` and prints markdown::

    .venv/bin/python bench/rag_boolq.py --generate 0                    # set, KB, retrieval
    .venv/bin/python bench/rag_boolq.py --skip-retrieval --generate 20  # + the end-to-end run

(``--limit N``: only the first N queries; ``--rebuild``: rebuild the KB; ``--reuse-generate``:
re-read the end-to-end run instead of running it again.)
"""

from __future__ import annotations

import argparse
import json
import math
import re
import os
import subprocess
import sys
import time
from pathlib import Path

from assay.metrics.retrieval import compare_retrievers

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(os.environ.get("ASSAY_BENCHDATA", ROOT.parent / "shared" / "benchdata")) \
    / "boolq" / "superglue_boolq_val.jsonl"
OUT = ROOT / "bench" / "out" / "rag_boolq"
ASSAY = str(Path(sys.executable).with_name("assay"))
METHODS = ("bm25", "dense", "hybrid")
KS = (1, 3, 5, 10)
TABLE_METRICS = ("recall@1", "recall@5", "recall@10", "ndcg@10", "mrr")
COMPARE_METRICS = tuple(f"{m}@{k}" for m in ("recall", "ndcg", "hit_rate") for k in KS) + ("mrr",)


# ---------------------------------------------------------------------------------- the set
def build_set(source: Path, out: Path) -> dict:
    """Write the corpus and the queries; returns counts."""
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    ids: dict[str, str] = {}
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    with open(corpus / "boolq_passages.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            if r["passage"] not in ids:
                ids[r["passage"]] = f"boolq-p{len(ids)}"
                f.write(json.dumps({"id": ids[r["passage"]], "text": r["passage"]},
                                   ensure_ascii=False) + "\n")
    with open(out / "queries.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            q = r["question"].strip()
            q = q if q.endswith("?") else q + "?"
            label = str(r["label"]).lower()
            if label not in ("true", "false"):
                raise ValueError(f"row idx {r['idx']}: label {r['label']!r}")
            row = {"conversationTurns": [{
                "prompt": {"content": [{"text": q}]},
                "referenceResponses": [{"content": [{"text": "Yes." if label == "true" else "No."}]}],
                "referenceContexts": [{"content": [{"text": r["passage"]}],
                                       "metadata": {"id": ids[r["passage"]]}}]}],
                "category": label}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"rows": len(rows), "passages": len(ids),
            "true": sum(1 for r in rows if str(r["label"]).lower() == "true")}


def write_recipe(path: Path, *, name: str, method: str, top_k: int, mode: str,
                 model: str | None = None, judge_metrics: list[str] | None = None,
                 max_new_tokens: int | None = None, data: str = "queries.jsonl") -> None:
    lines = [f"run:\n  name: {name}", "evaluation:\n  task: rag_eval\n  strategy: judge"]
    if max_new_tokens:
        lines.append(f"inference:\n  max_new_tokens: {max_new_tokens}")
    a = ["assay:"]
    if model:
        a.append(f"  model: {model}")
    a += [f"  data: {data}", "  rag:", "    knowledge_base: boolq.kb",
          f"    retrieval: {method}", f"    top_k: {top_k}", f"    mode: {mode}",
          f"    ks: [{', '.join(map(str, KS))}]"]
    lines.append("\n".join(a))
    jm = judge_metrics or []
    j = ["judge:"] + ([f"  model: {model}"] if model and jm else [])
    j.append(f"  metrics: [{', '.join(jm)}]")
    lines.append("\n".join(j))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(cmd: list[str], cwd: Path, log: Path) -> float:
    """Run ``cmd`` (output to ``log``), fail loudly; return its wall seconds."""
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as f:
        rc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT).returncode
    dt = time.perf_counter() - t0
    if rc != 0:
        sys.stdout.write(log.read_text(encoding="utf-8")[-4000:])
        raise SystemExit(f"exit {rc}: {' '.join(cmd)}")
    print(f"  {dt:.1f} s (log: {log.relative_to(ROOT)})", flush=True)
    return dt


def read_examples(run_dir: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run_dir / "examples.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    return rows


def _key(rec: dict) -> str:
    for k in ("index", "id", "example_id"):
        if k in rec:
            return str(rec[k])
    raise KeyError("no record index")


# ------------------------------------------------------------------------- pytrec_eval check
def pytrec_check(records: list[dict], qrels_ids: list[str], top_k: int) -> dict:
    """recall@10 and MRR of a run recomputed by pytrec_eval from the retrieved passages' ids
    (a chunk is scored as its document; a document's later chunks are dropped, as trec_eval
    counts a document once); scores are rank-based (top_k − rank) so no tie-breaking applies."""
    import pytrec_eval

    qrels, run = {}, {}
    for i, (rec, pid) in enumerate(zip(records, qrels_ids)):
        q = f"q{i}"
        qrels[q] = {pid: 1}
        docs: list[str] = []
        for p in rec["passages"]:
            meta = p.get("metadata") or {}
            doc = str(meta.get("doc", p.get("id")))
            if doc not in docs:
                docs.append(doc)
        run[q] = {d: float(top_k - r) for r, d in enumerate(docs)}
        if not run[q]:   # trec_eval needs a document per query; an unused id scores 0
            run[q] = {"__none__": 0.0}
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"recall.10", "recip_rank"})
    res = ev.evaluate(run)
    n = len(res)
    return {"n": n,
            "recall@10": sum(v["recall_10"] for v in res.values()) / n,
            "mrr": sum(v["recip_rank"] for v in res.values()) / n}


# ----------------------------------------------------------------------------- formatting
def _ci(m: dict, scale: float = 1.0, digits: int = 3) -> str:
    if m.get("value") is None:
        return "n/a"
    lo, hi = m.get("ci_low"), m.get("ci_high")
    v = f"{scale * m['value']:.{digits}f}"
    return v if lo is None else f"{v} [{scale * lo:.{digits}f}, {scale * hi:.{digits}f}]"


def _p(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return f"{p:.2e}" if p < 1e-3 else f"{p:.3f}"


def markdown(summary: dict) -> str:
    out = ["| retriever | " + " | ".join(TABLE_METRICS) + " | wall s | queries/s |",
           "|---|" + "---|" * (len(TABLE_METRICS) + 2)]
    for m in METHODS:
        r = summary["runs"].get(m)
        if r is None:
            continue
        cells = [_ci(r["metrics"][k]) for k in TABLE_METRICS]
        out.append(f"| {m} | " + " | ".join(cells) + f" | {r['seconds']:.1f} | "
                   f"{r['queries_per_s']:.1f} |")
    out += ["", "| comparison (b − a) | metric | a | b | difference [95% CI] | p | test | n |",
            "|---|---|---|---|---|---|---|---|"]
    for pair, comp in summary["comparisons"].items():
        for name in COMPARE_METRICS:
            c = comp.get(name)
            if c is None:
                continue
            out.append(f"| {pair} | {name} | {c['base']:.3f} | {c['challenger']:.3f} | "
                       f"{c['difference']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}] | "
                       f"{_p(c['p_value'])} | {c['test']} | {c['n']} |")
    return "\n".join(out)


def _slim(c: dict) -> dict:
    return {k: v for k, v in c.items() if not isinstance(v, (list, dict))}


# ------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=str(SOURCE))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--limit", type=int, default=None, help="only the first N queries")
    ap.add_argument("--generate", type=int, default=20,
                    help="retrieve-and-generate run on the first N queries (0: none)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the knowledge base")
    ap.add_argument("--skip-retrieval", action="store_true",
                    help="reuse the three retrieval runs already in --out")
    ap.add_argument("--reuse-generate", action="store_true",
                    help="re-read the retrieve-and-generate run already in --out")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    summary_path = out / "summary.json"
    old = json.loads(summary_path.read_text()) if summary_path.exists() else {}

    counts = build_set(Path(args.source), out)
    print(f"set: {counts['rows']} queries ({counts['true']} true), {counts['passages']} distinct "
          f"passages", flush=True)

    kb = out / "boolq.kb"
    if args.rebuild or not (kb / "kb.json").exists():
        kb_s = timed([ASSAY, "kb", "build", "corpus", "-o", "boolq.kb", "--chunk-words", "400",
                      "--overlap", "0", "--progress", "plain", "--overwrite"], out,
                     out / "logs" / "kb_build.log")
    else:
        kb_s = old.get("kb", {}).get("seconds")
        print(f"knowledge base exists (built in {kb_s} s); --rebuild to rebuild")
    manifest = json.loads((kb / "kb.json").read_text())
    chunks = [json.loads(line) for line in (kb / "chunks.jsonl").read_text().splitlines()]
    split_docs = sorted({c["doc"] for c in chunks if c["chunk"] > 0})
    kb_info = {"seconds": kb_s, "n_docs": manifest["n_docs"], "n_chunks": manifest["n_chunks"],
               "split_passages": len(split_docs),
               "truncated_chunks": manifest["truncated_chunks"],
               "max_seq_length": manifest["model"]["max_seq_length"],
               "chunking": manifest["chunking"]}
    print(f"kb: {kb_info['n_docs']} passages -> {kb_info['n_chunks']} chunks; "
          f"{kb_info['split_passages']} passages split (> 400 words); "
          f"{kb_info['truncated_chunks']} chunks over {kb_info['max_seq_length']} tokens "
          f"(truncated for the dense embedding)", flush=True)

    limit = ["--limit", str(args.limit)] if args.limit else []
    n_q = min(args.limit or counts["rows"], counts["rows"])
    runs: dict[str, dict] = {}
    per_query: dict[str, list[dict]] = {}
    records: dict[str, list[dict]] = {}
    for m in METHODS:
        name = f"boolq-{m}"
        if not args.skip_retrieval:
            write_recipe(out / f"recipe_{m}.yaml", name=name, method=m, top_k=10, mode="retrieve")
            secs = timed([ASSAY, "run", f"recipe_{m}.yaml", "--output-dir", "runs",
                          "--group-by", "category", "--progress", "plain", "--overwrite",
                          "--seed", str(args.seed), *limit], out, out / "logs" / f"run_{m}.log")
        else:
            secs = old["runs"][m]["seconds"]
        run_dir = out / "runs" / name
        recs = sorted(read_examples(run_dir), key=lambda r: int(_key(r)))
        records[m] = recs
        per_query[m] = [r["retrieval"] for r in recs]
        met = json.loads((run_dir / "metrics.json").read_text())["retrieval"]
        runs[m] = {"seconds": secs, "n": len(recs), "queries_per_s": len(recs) / secs,
                   "metrics": met["metrics"], "groups": met.get("groups", {})}
    assert all(len(per_query[m]) == n_q for m in METHODS), {m: len(per_query[m]) for m in METHODS}

    comparisons = {}
    for a, b in (("bm25", "dense"), ("bm25", "hybrid"), ("dense", "hybrid")):
        comp = compare_retrievers(per_query[a], per_query[b], names=(a, b), seed=args.seed)
        comparisons[f"{a} → {b}"] = {k: _slim(v) for k, v in comp.items() if k in COMPARE_METRICS}

    # pytrec_eval cross-check of the BM25 run
    qids = []
    for rec in records["bm25"]:
        refs = rec.get("reference_contexts") or rec.get("references_contexts")
        if refs is None:
            raise KeyError(f"record keys: {sorted(rec)}")
        qids.append(str(refs[0]["id"]))
    trec = pytrec_check(records["bm25"], qids, 10)
    ours = {k: runs["bm25"]["metrics"][k]["value"] for k in ("recall@10", "mrr")}
    check = {"pytrec_eval": trec, "assay": ours,
             "abs_diff": {k: abs(trec[k] - ours[k]) for k in ours},
             "equal": all(abs(trec[k] - ours[k]) < 1e-12 for k in ours)}

    summary = {"source": str(args.source), "set": counts, "n_queries": n_q, "kb": kb_info,
               "runs": runs, "comparisons": comparisons, "pytrec_eval_check": check,
               "generate": old.get("generate")}
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print()
    print(markdown(summary))
    print()
    print("by label (recall@10, mrr):")
    for m in METHODS:
        for seg, blk in sorted(runs[m]["groups"].get("category", {}).items()):
            print(f"  {m:6} {seg:5} n={blk['n']:4}  recall@10 {_ci(blk['metrics']['recall@10'])}"
                  f"  mrr {_ci(blk['metrics']['mrr'])}")
    print()
    print(f"pytrec_eval check (bm25, n={trec['n']}): recall@10 pytrec {trec['recall@10']:.12f} "
          f"assay {ours['recall@10']:.12f}; mrr pytrec {trec['mrr']:.12f} assay "
          f"{ours['mrr']:.12f} -> {'EQUAL' if check['equal'] else 'DIFFERENT'}", flush=True)

    if args.generate:
        summary["generate"] = generate(out, args.generate, args.seed,
                                       old.get("generate") if args.reuse_generate else None)
        summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {summary_path.relative_to(ROOT)}")
    return 0 if check["equal"] else 1


def generate(out: Path, n: int, seed: int, reuse: dict | None = None) -> dict:
    """The retrieve-and-generate run on the first ``n`` queries (``reuse``: the previous
    summary's entry, to re-read that run instead of running it again)."""
    name = "boolq-rag-smollm2"
    if reuse is None:
        write_recipe(out / "recipe_generate.yaml", name=name, method="hybrid", top_k=3,
                     mode="retrieve_and_generate", model="local/smollm2",
                     judge_metrics=["Builtin.Correctness", "Builtin.Faithfulness"],
                     max_new_tokens=120)
        secs = timed([ASSAY, "run", "recipe_generate.yaml", "--output-dir", "runs", "--limit",
                      str(n), "--progress", "plain", "--overwrite", "--seed", str(seed)], out,
                     out / "logs" / "run_generate.log")
    else:
        secs = reuse["seconds"]
    run_dir = out / "runs" / name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    recs = sorted(read_examples(run_dir), key=lambda r: int(_key(r)))
    # a model-free reading of the answers: does the answer open with the gold yes/no?
    opens = {"yes": 0, "no": 0, "neither": 0}
    agree = 0
    for r in recs:
        words = re.findall(r"[a-z]+", (r.get("response") or "").lower())
        first = words[0] if words and words[0] in ("yes", "no") else "neither"
        opens[first] += 1
        agree += first != "neither" and r["references"][0].lower().startswith(first)
    jm = metrics["metrics"]
    res = {"n": len(recs), "seconds": secs, "seconds_per_example": secs / len(recs),
           "judge": {k: {f: v.get(f) for f in ("value", "ci_low", "ci_high", "n",
                                                "n_unparseable", "n_failed")}
                          | {"weighted": v.get("weighted")} for k, v in jm.items()},
           "n_unparseable": metrics.get("n_unparseable"), "n_errors": metrics.get("n_errors"),
           "retrieval": {k: metrics["retrieval"]["metrics"][k]
                         for k in ("recall@1", "recall@3", "ndcg@3", "mrr")},
           "answers_open_with": opens, "answers_open_with_gold_yes_no": agree,
           "examples": [{"index": r["index"], "question": r["prompt"], "gold": r["references"][0],
                         "relevance": r["relevance"],
                         "top_passage": r["passages"][0]["text"][:200] if r["passages"] else None,
                         "answer": r["response"],
                         "ratings": {k: {"score": v.get("score"),
                                         "explanation": v.get("explanation")}
                                     for k, v in r["ratings"].items()}} for r in recs]}
    print(f"\nretrieve-and-generate, first {len(recs)} queries: {secs:.1f} s "
          f"({secs / len(recs):.1f} s/example, model loads included); unparseable "
          f"{res['n_unparseable']}, errors {res['n_errors']}")
    for k, v in res["judge"].items():
        w = v["weighted"] or {}
        print(f"  {k}: {_ci(v)}  (probability-weighted {_ci(w) if w else 'n/a'})")
    for k, v in res["retrieval"].items():
        print(f"  {k}: {_ci(v)}")
    print(f"  answers opening with yes/no: {opens}; with the gold answer: {agree}/{len(recs)}")
    return res


if __name__ == "__main__":
    raise SystemExit(main())
