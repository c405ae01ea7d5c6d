"""The RAG task (``rag_eval``) end to end with scripted judges: the Bedrock excerpt
(retrieve-and-generate BYOI) scored unit by unit with exact values, written in the Bedrock
layout and read back; the BYOI output written back unchanged; Bedrock's refusal of a
retrieve-only metric; a retrieve-only file from §2.3 with reference contexts and hand-worked
retrieval metrics; the library API (``assay.evaluate``); byte-identical reruns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import assay
from assay.cli.app import main
from assay.data.bedrock_rag import RagDataset
from assay.results.bedrock import read_bedrock_output
from tests.conftest import write_jsonl

EXCERPT = "bedrock_rag_eval_byoi_dataset_EXCERPT_first3.jsonl"


def _reply(rating: str) -> str:
    return json.dumps({"reasoning": f"because {rating}", "rating": rating})


def _recipe(tmp: Path, metrics: list[str], extra: str = "") -> Path:
    p = tmp / "rag.yaml"
    p.write_text("run:\n  name: rag\nevaluation:\n  task: rag_eval\n  strategy: judge\n"
                 "inference:\n  max_new_tokens: 64\nassay:\n  model: byoi\n  seed: 1\n" + extra
                 + f"judge:\n  metrics: {json.dumps(metrics)}\n", encoding="utf-8")
    return p


def _script(tmp: Path, data: Path, replies: dict[tuple[int, str], str]) -> Path:
    ids = [s.id for s in RagDataset(data).iter_samples()]
    return write_jsonl(tmp / "script.jsonl", [{"id": f"{ids[i]}:{key}", "text": _reply(text)}
                                              for (i, key), text in replies.items()])


def _run(tmp: Path, data: Path, metrics: list[str], replies, extra_args=(), extra=""):
    script = _script(tmp, data, replies)
    code = main(["run", str(_recipe(tmp, metrics, extra)), "--data", str(data), "--judge",
                 "mock/script", "-J", f"file={script}", "--output-dir", str(tmp / "out"),
                 "--quiet", "--allow-failures", "--overwrite", *extra_args])
    run = tmp / "out" / "rag"
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    return code, run, json.loads((run / "metrics.json").read_text()), recs


CP = "Builtin.CitationPrecision"
EXCERPT_REPLIES = {
    **{(i, "Builtin.Correctness"): "3" for i in range(3)},            # 3 of 3: 1.0
    (0, "Builtin.Faithfulness:claim0"): "Supported",
    (1, "Builtin.Faithfulness:claim0"): "Partly supported",
    (2, "Builtin.Faithfulness:claim0"): "Not supported",
    (0, f"{CP}:citation0"): "Not supported", (0, f"{CP}:citation1"): "Supported",
    (0, f"{CP}:citation2"): "Supported",
    (1, f"{CP}:citation0"): "Supported",
    (2, f"{CP}:citation0"): "Supported", (2, f"{CP}:citation1"): "Not supported",
}


def test_the_bedrock_excerpt_is_scored_unit_by_unit(tmp_path, samples):
    code, run, m, recs = _run(tmp_path, samples / EXCERPT,
                              ["Builtin.Correctness", "Builtin.Faithfulness", CP],
                              EXCERPT_REPLIES)
    assert code == 0
    assert (m["kind"], m["model"], m["n_examples"], m["n_unparseable"]) == \
        ("retrieve_and_generate", "third-party-model", 3, 0)
    assert [r["metrics"]["Builtin.Correctness"] for r in recs] == [1.0, 1.0, 1.0]
    assert [r["metrics"]["Builtin.Faithfulness"] for r in recs] == [1.0, 0.5, 0.0]
    assert [r["metrics"][CP] for r in recs] == pytest.approx([2 / 3, 1.0, 0.5])
    assert m["metrics"][CP]["value"] == pytest.approx((2 / 3 + 1.0 + 0.5) / 3)
    # each unit is kept: which citation, which passage, what the judge said
    units = recs[0]["ratings"][CP]["units"]
    assert [(u["citation"], u["label"]) for u in units] == [
        (0, "Not supported"), (1, "Supported"), (2, "Supported")]
    assert units[0]["passage"] == "UNITED STATESSECURITIES AND EXCHANGE COMMISSION"
    assert recs[0]["ratings"][CP]["explanation"] == \
        "2 of 3 cited passages supporting what they are cited for"
    # the model-free citation checks: row 1 cites a passage that was never retrieved
    assert recs[0]["citation_check"]["references_retrieved"] == pytest.approx(2 / 3)
    assert m["citation_checks"]["n_citations"] == 6
    # Bedrock's layout, read back equal; RAG lines keep conversationTurns
    out = read_bedrock_output(run / "bedrock")
    assert [o.prompt for o in out] == [r["prompt"] for r in recs]
    assert [o.metrics for o in out] == [r["ratings"] and {k: r["ratings"][k]["score"]
                                                         for k in r["ratings"]} for r in recs]
    line = json.loads(next((run / "bedrock").rglob("*_output.jsonl")).read_text()
                      .splitlines()[0])
    assert line["conversationTurns"][0]["results"] == line["automatedEvaluationResult"]["scores"]
    # the BYOI data comes back exactly as it went in
    rows = [json.loads(x) for x in (samples / EXCERPT).read_text().splitlines()]
    assert [json.loads(x) for x in (run / "rag_output.jsonl").read_text().splitlines()] == rows
    assert (run / "report.html").exists()


def test_a_retrieve_only_metric_is_refused_in_a_generate_run(tmp_path, samples, capsys):
    code = main(["run", str(_recipe(tmp_path, ["Builtin.ContextRelevance"])), "--data",
                 str(samples / EXCERPT), "--judge", "mock/echo", "--output-dir",
                 str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "Traceback" not in err
    assert "Builtin.ContextRelevance is a retrieve-only metric" in err
    assert "retrieve-and-generate" in err and "judge.metrics[0]" in err
    assert not (tmp_path / "out" / "rag").exists()


def _retrieve_rows() -> list[dict]:
    def row(passages, contexts, answer, category):
        return {"conversationTurns": [{
            "prompt": {"content": [{"text": f"question about {category}?"}]},
            "referenceResponses": [{"content": [{"text": answer}]}],
            "referenceContexts": [{"content": [{"text": t}]} for t in contexts],
            "output": {"knowledgeBaseIdentifier": "my-rag", "retrievedResults": {
                "retrievalResults": [{"content": {"text": t}} for t in passages]}}}],
            "category": category}
    return [
        # relevant at rank 2 of 3: recall@1 0, recall@3 1, MRR 1/2, nDCG@3 = (1/log2 3)/1
        row(["Lyon is in France.", "Paris is the capital of France.", "Rome is in Italy."],
            ["Paris is the capital of France."], "Paris. It is the capital.", "geo"),
        # two references, one found at rank 1: recall@1 = recall@3 = 1/2, MRR 1
        row(["The Nile flows north into the sea.", "Cairo is by the Nile river banks."],
            ["The Nile flows north into the sea.", "The Nile is about 6650 km long."],
            "It flows north.", "geo"),
        # no reference context: no retrieval metric (None), not zero
        {"conversationTurns": [{"prompt": {"content": [{"text": "hi?"}]}, "output": {
            "retrievedResults": {"retrievalResults": [{"content": {"text": "x y z"}}]}}}],
         "category": "chat"},
    ]


def test_retrieve_only_with_reference_contexts(tmp_path):
    data = write_jsonl(tmp_path / "ro.jsonl", _retrieve_rows())
    replies = {(0, "Builtin.ContextRelevance:passage0"): "Not relevant",
               (0, "Builtin.ContextRelevance:passage1"): "Relevant",
               (0, "Builtin.ContextRelevance:passage2"): "Partly relevant",
               (1, "Builtin.ContextRelevance:passage0"): "Relevant",
               (1, "Builtin.ContextRelevance:passage1"): "Relevant",
               (2, "Builtin.ContextRelevance:passage0"): "Not relevant"}
    code, run, m, recs = _run(tmp_path, data, ["Builtin.ContextRelevance"], replies,
                              extra="  rag:\n    ks: [1, 3]\n")
    assert code == 0 and m["kind"] == "retrieve"
    assert [r["metrics"]["Builtin.ContextRelevance"] for r in recs] == [0.5, 1.0, 0.0]
    assert [r["relevance"] for r in recs] == [[None, 0, None], [0, None], []]
    r0, r1 = recs[0]["retrieval"], recs[1]["retrieval"]
    assert (r0["recall@1"], r0["recall@3"], r0["mrr"]) == (0.0, 1.0, 0.5)
    assert r0["ndcg@3"] == pytest.approx(1 / 1.584962500721156)
    assert r0["precision@3"] == pytest.approx(1 / 3)
    assert (r1["recall@1"], r1["recall@3"], r1["mrr"], r1["hit_rate@1"]) == (0.5, 0.5, 1.0, 1.0)
    assert recs[2]["retrieval"] is None
    ret = m["retrieval"]
    assert (ret["n_with_references"], ret["n_without_references"]) == (2, 1)
    assert ret["metrics"]["mrr"]["value"] == pytest.approx(0.75)
    assert ret["metrics"]["mrr"]["ci_low"] is not None
    assert set(ret["groups"]["category"]) == {"geo", "chat"}


def test_the_library_api_runs_it_too(tmp_path, samples):
    data = samples / EXCERPT
    script = _script(tmp_path, data, EXCERPT_REPLIES)
    result = assay.evaluate({
        "run": {"name": "rag-api"}, "evaluation": {"task": "rag_eval", "strategy": "judge"},
        "assay": {"model": "byoi", "data": str(data), "output_dir": str(tmp_path / "o")},
        "judge": {"model": "mock/script", "model_args": {"file": str(script)},
                  "metrics": ["Builtin.Correctness", "Builtin.Faithfulness"]}})
    assert result.summary["metrics"]["Builtin.Faithfulness"]["value"] == pytest.approx(0.5)
    assert result.summary["kind"] == "retrieve_and_generate"


def test_reruns_are_byte_identical(tmp_path, samples):
    metrics = ["Builtin.Correctness", "Builtin.Faithfulness", CP]
    _run(tmp_path, samples / EXCERPT, metrics, EXCERPT_REPLIES)
    first = {p.name: p.read_bytes() for p in (tmp_path / "out" / "rag").glob("*.json*")
             if p.name in ("metrics.json", "rag_output.jsonl")}
    shutil.rmtree(tmp_path / "out")
    _run(tmp_path, samples / EXCERPT, metrics, EXCERPT_REPLIES)
    again = {p: (tmp_path / "out" / "rag" / p).read_bytes() for p in first}
    assert again == first


def test_custom_metrics_see_the_passages_and_reference_contexts(tmp_path, samples):
    metric = {"customMetricDefinition": {
        "name": "grounded",
        "instructions": "Question: {{prompt}}\nPassages:\n{{context}}\nExpected passages:\n"
                        "{{reference_contexts}}\nAnswer: {{prediction}}\nIs it grounded?",
        "ratingScale": [{"definition": "grounded", "value": {"floatValue": 1}},
                        {"definition": "not grounded", "value": {"floatValue": 0}}]}}
    (tmp_path / "grounded.json").write_text(json.dumps(metric), encoding="utf-8")
    rows = [json.loads(x) for x in (samples / EXCERPT).read_text().splitlines()][:1]
    rows[0]["conversationTurns"][0]["referenceContexts"] = [
        {"content": [{"text": "Commission File No. 000-22513"}]}]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = _recipe(tmp_path, [], "")
    recipe.write_text(recipe.read_text() + "  custom_metrics: [grounded.json]\n")
    code = main(["run", str(recipe), "--data", str(data), "--judge", "mock/echo",
                 "--output-dir", str(tmp_path / "out"), "--quiet", "--allow-failures",
                 "--overwrite"])
    assert code in (0, 1)
    rec = json.loads((tmp_path / "out" / "rag" / "examples.jsonl").read_text())
    seen = rec["ratings"]["grounded"]["raw"]   # the echo judge returns its prompt
    assert "Passages:\n[1] Commission File No. 000-22513\n\n[2] AMAZON.COM" in seen
    assert "Expected passages:\n[1] Commission File No. 000-22513\nAnswer: Amazon's" in seen
    assert rec["retrieval"]["recall@1"] == 1.0   # the reference context was retrieved first


def test_the_run_state_travels_to_ray_replicas_without_its_handles():
    import pickle

    from assay.judges.pointwise.rag import RAG_METRICS
    from assay.tasks.rag.pipeline import RagState
    state = RagState((RAG_METRICS["Builtin.Faithfulness"],), None, None, kind="retrieve",
                     kb_path="/kb", retrieval="bm25", top_k=7, ks=(1, 7), threshold=0.9,
                     citations=False)
    state._kb = object()   # a loaded knowledge base is not pickled; a replica loads its own
    again = pickle.loads(pickle.dumps(state))
    assert (again.kind, again.kb_path, again.retrieval, again.top_k, again.ks,
            again.threshold, again.citations) == ("retrieve", "/kb", "bm25", 7, (1, 7), 0.9,
                                                  False)
    assert again._kb is None and again.metrics == state.metrics
