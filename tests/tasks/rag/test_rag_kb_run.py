"""RAG runs through a local knowledge base (real embeddings and BM25): retrieve-only with no
judge metric, its BYOI output evaluated again to the same retrieval metrics; retrieve and
generate with a scripted model whose [n] markers become citations; byoi refused where the
run must generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.cli.app import main
from tests.conftest import write_jsonl

pytest.importorskip("bm25s")
pytest.importorskip("transformers")

DOCS = {
    "france.md": "Paris is the capital of France. The Seine river flows through Paris.",
    "italy.md": "Rome is the capital of Italy. The Tiber river flows through Rome.",
    "spain.md": "Madrid is the capital of Spain. Madrid lies on the Manzanares river.",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kb")
    docs = root / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    assert main(["kb", "build", str(docs), "-o", str(root / "docs.kb"),
                 "--progress", "none"]) == 0
    return root / "docs.kb"


def _rows() -> list[dict]:
    def row(q, ctx, answer):
        return {"conversationTurns": [{
            "prompt": {"content": [{"text": q}]},
            "referenceResponses": [{"content": [{"text": answer}]}],
            "referenceContexts": [{"content": [{"text": ctx}]}]}]}
    return [row("What is the capital of Italy?", DOCS["italy.md"], "Rome."),
            row("Which river flows through Paris?", DOCS["france.md"], "The Seine."),
            row("What is the capital of Spain?", DOCS["spain.md"], "Madrid.")]


def _recipe(tmp: Path, kb: Path | None, body: str, metrics: list[str]) -> Path:
    rag = f"  rag:\n    knowledge_base: {kb}\n" if kb else ("  rag:\n" if body else "")
    p = tmp / f"r{len(list(tmp.glob('r*.yaml')))}.yaml"
    p.write_text("run:\n  name: kbrun\nevaluation:\n  task: rag_eval\n  strategy: judge\n"
                 "assay:\n  seed: 0\n" + rag + body
                 + f"judge:\n  metrics: {json.dumps(metrics)}\n", encoding="utf-8")
    return p


def _records(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]


def test_retrieve_only_then_the_same_output_as_byoi(tmp_path, kb):
    data = write_jsonl(tmp_path / "q.jsonl", _rows())
    recipe = _recipe(tmp_path, kb, "    mode: retrieve\n    retrieval: bm25\n    top_k: 2\n"
                                   "    ks: [1, 2]\n", [])
    assert main(["run", str(recipe), "--data", str(data), "--judge", "mock/echo",
                 "--output-dir", str(tmp_path / "a"), "--quiet", "--overwrite"]) == 0
    run = tmp_path / "a" / "kbrun"
    recs, m = _records(run), json.loads((run / "metrics.json").read_text())
    assert m["kind"] == "retrieve" and m["knowledge_base"]["retrieval"] == "bm25"
    assert m["judge_model"] == "none"   # no judge metric: no judge model is loaded
    assert [r["passages"][0]["id"] for r in recs] == ["italy.md#0", "france.md#0",
                                                     "spain.md#0"]
    assert [r["retrieval"]["recall@1"] for r in recs] == [1.0, 1.0, 1.0]
    assert m["retrieval"]["metrics"]["mrr"]["value"] == 1.0
    # assay query sees the retrieval metrics with their intervals
    from assay.results.query import metric_rows
    rows = {r[0]: r for r in metric_rows(m) if r[-1] is None}
    assert rows["mrr"][1] == 1.0 and rows["recall@2"][1] == 1.0
    # the retrieved passages come back in Bedrock's retrieve-only BYOI shape ...
    byoi = [json.loads(x) for x in (run / "rag_output.jsonl").read_text().splitlines()]
    out = byoi[0]["conversationTurns"][0]["output"]
    assert set(out) == {"knowledgeBaseIdentifier", "retrievedResults"}
    assert out["retrievedResults"]["retrievalResults"][0]["metadata"]["id"] == "italy.md#0"
    # ... and evaluating that file as BYOI gives the same retrieval metrics
    again = _recipe(tmp_path, None, "", [])
    assert main(["run", str(again), "--data", str(run / "rag_output.jsonl"), "-m", "byoi",
                 "--judge", "mock/echo", "--output-dir", str(tmp_path / "b"), "--quiet",
                 "--overwrite", "--set", "assay.rag.ks=[1,2]"]) == 0
    recs2 = _records(tmp_path / "b" / "kbrun")
    assert [r["retrieval"] for r in recs2] == [r["retrieval"] for r in recs]


def test_retrieve_and_generate_reads_citation_markers(tmp_path, kb):
    data = write_jsonl(tmp_path / "q.jsonl", _rows()[:1])
    recipe = _recipe(tmp_path, kb, "    retrieval: hybrid\n    top_k: 2\n",
                     ["Builtin.Faithfulness", "Builtin.CitationPrecision"])
    script = write_jsonl(tmp_path / "judge.jsonl", [
        {"index": 0, "text": json.dumps({"reasoning": "ok", "rating": "Supported"})}])
    code = main(["run", str(recipe), "--data", str(data), "-m", "mock/constant", "-M",
                 "text=Rome is the capital of Italy [1]. It has a river [2, 7].",
                 "--judge", "mock/script", "-J", f"file={script}",
                 "--output-dir", str(tmp_path / "g"), "--quiet", "--overwrite"])
    assert code == 0
    rec = _records(tmp_path / "g" / "kbrun")[0]
    assert rec["kind"] == "retrieve_and_generate" and rec["model_identifier"] == "mock/constant"
    cites = rec["citations"]
    assert [c["text"] for c in cites] == ["Rome is the capital of Italy [1].",
                                          "It has a river [2, 7]."]
    assert [len(c["references"]) for c in cites] == [1, 1]   # [7] names no passage
    assert cites[0]["references"][0]["text"] == rec["passages"][0]["text"]
    assert rec["ratings"]["Builtin.Faithfulness"]["score"] == 1.0
    assert rec["ratings"]["Builtin.CitationPrecision"]["n_units"] == 2
    assert rec["citation_check"]["in_bounds"] == 1.0
    assert rec["citation_check"]["bad_markers"] == 1      # the [7]


def test_a_knowledge_base_run_that_generates_refuses_byoi(tmp_path, kb, capsys):
    data = write_jsonl(tmp_path / "q.jsonl", _rows())
    code = main(["run", str(_recipe(tmp_path, kb, "", [])), "--data", str(data), "-m",
                 "byoi", "--judge", "mock/echo", "--output-dir", str(tmp_path / "x"),
                 "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "not byoi" in err


def test_rows_without_output_need_a_knowledge_base(tmp_path, capsys):
    data = write_jsonl(tmp_path / "q.jsonl", _rows())
    code = main(["run", str(_recipe(tmp_path, None, "", [])), "--data", str(data),
                 "--judge", "mock/echo", "--output-dir", str(tmp_path / "x"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "assay kb build" in err and "\n" not in err
