"""Issue 15 on the embedded models: the Bedrock RAG excerpt runs unchanged (retrieve-and-generate
BYOI) and a retrieve-only file written from formats.md §2.3 runs too, both judged by the
embedded judge with every judge answer read and the Bedrock output written; and the offline
end-to-end run: ``assay kb build`` on examples/rag/docs, then examples/rag/recipe.yaml
retrieves, generates with the embedded model, judges and reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.results.bedrock import read_bedrock_output
from tests.conftest import SAMPLES, write_jsonl

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
pytest.importorskip("llama_cpp")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "rag"


def _recipe(tmp: Path, name: str, metrics: list[str] | None = None) -> Path:
    body = ("run:\n  name: " + name + "\nevaluation:\n  task: rag_eval\n  strategy: judge\n"
            "assay:\n  model: byoi\n  cache: false\n")
    if metrics is not None:
        body += f"judge:\n  metrics: {json.dumps(metrics)}\n"
    p = tmp / f"{name}.yaml"
    p.write_text(body, encoding="utf-8")
    return p


def _out(run: Path) -> tuple[dict, list[dict]]:
    return (json.loads((run / "metrics.json").read_text()),
            [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()])


def test_the_bedrock_excerpt_runs_unchanged(tmp_path):
    # about 40 s on two idle cores: the default metrics (Correctness, Faithfulness,
    # Helpfulness, CitationPrecision), 15 judge requests
    data = SAMPLES / "bedrock_rag_eval_byoi_dataset_EXCERPT_first3.jsonl"
    assert main(["run", str(_recipe(tmp_path, "excerpt")), "--data", str(data),
                 "--output-dir", str(tmp_path / "out"), "--quiet", "--overwrite",
                 "--progress", "none"]) == 0
    m, recs = _out(tmp_path / "out" / "excerpt")
    assert m["kind"] == "retrieve_and_generate" and m["n_examples"] == 3
    assert m["n_unparseable"] == 0 and m["n_errors"] == 0
    for name in ("Builtin.Correctness", "Builtin.Faithfulness", "Builtin.Helpfulness",
                 "Builtin.CitationPrecision"):
        assert m["metrics"][name]["n"] == 3, name
    assert m["embedded_judge"]["model"] == "local/smollm2"
    out = read_bedrock_output(tmp_path / "out" / "excerpt" / "bedrock")
    assert len(out) == 3 and all(o.metrics for o in out)
    assert (tmp_path / "out" / "excerpt" / "report.html").exists()


def test_a_retrieve_only_file_from_the_spec_runs(tmp_path):
    def row(q, ref, passages):
        return {"conversationTurns": [{
            "prompt": {"content": [{"text": q}]},
            "referenceResponses": [{"content": [{"text": ref}]}],
            "output": {"knowledgeBaseIdentifier": "third-party-RAG", "retrievedResults": {
                "retrievalResults": [{"content": {"text": t}} for t in passages]}}}]}
    data = write_jsonl(tmp_path / "retrieve.jsonl", [
        row("What is the boiling point of water at sea level?", "100 degrees Celsius.",
            ["Water boils at 100 degrees Celsius at sea level.", "Ice melts at 0 degrees."]),
        row("Who wrote Pride and Prejudice?", "Jane Austen.",
            ["Pride and Prejudice is an 1813 novel by Jane Austen.",
             "Charlotte Bronte wrote Jane Eyre."]),
    ])
    assert main(["run", str(_recipe(tmp_path, "ro")), "--data", str(data), "--output-dir",
                 str(tmp_path / "out"), "--quiet", "--overwrite", "--progress", "none"]) == 0
    m, recs = _out(tmp_path / "out" / "ro")
    assert m["kind"] == "retrieve" and m["n_unparseable"] == 0
    rel = m["metrics"]["Builtin.ContextRelevance"]
    cov = m["metrics"]["Builtin.ContextCoverage"]
    assert rel["n"] == 2 and cov["n"] == 2
    assert [len(r["ratings"]["Builtin.ContextRelevance"]["units"]) for r in recs] == [2, 2]
    line = json.loads(next((tmp_path / "out" / "ro" / "bedrock").rglob("*_output.jsonl"))
                      .read_text().splitlines()[0])
    assert line["conversationTurns"][0]["output"]["retrievedResults"]
    assert {s["metricName"] for s in line["conversationTurns"][0]["results"]} == {
        "Builtin.ContextRelevance", "Builtin.ContextCoverage"}


def test_offline_end_to_end_from_the_examples_folder(tmp_path):
    # kb build (~5 s), then 3 questions: retrieve, answer with the embedded model, judge
    # Correctness and Faithfulness, report (about a minute on two idle cores)
    pytest.importorskip("bm25s")
    work = tmp_path / "rag"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("docs.kb"))
    assert main(["kb", "build", str(work / "docs"), "--progress", "none"]) == 0
    assert (work / "docs.kb" / "kb.json").exists()
    assert main(["run", str(work / "recipe.yaml"), "--output-dir", str(tmp_path / "out"),
                 "--limit", "3", "--quiet", "--overwrite", "--progress", "none", "--no-cache",
                 "--set", "judge.metrics=Builtin.Correctness,Builtin.Faithfulness"]) == 0
    run = tmp_path / "out" / "rag-example"
    m, recs = _out(run)
    assert m["kind"] == "retrieve_and_generate" and m["model"] == "local/smollm2"
    assert m["knowledge_base"]["identifier"].startswith("docs.kb-")
    assert all(r["response"] for r in recs) and all(len(r["passages"]) == 3 for r in recs)
    assert m["retrieval"]["metrics"]["recall@3"]["n"] == 3
    assert m["n_unparseable"] == 0
    report = (run / "report.html").read_text()
    assert "RELEVANT" in report and "Builtin.Faithfulness" in report
    byoi = [json.loads(x) for x in (run / "rag_output.jsonl").read_text().splitlines()]
    assert all(b["conversationTurns"][0]["output"]["text"] for b in byoi)
