"""A Bedrock RAG evaluation job (``applicationType: RagEvaluation``, formats.md §2.1) read as
a ``rag_eval`` recipe: BYOI retrieve-only and retrieve-and-generate precomputed sources,
knowledge-base configs (a local ``assay kb build`` folder), metric names checked against the
job's mode with Bedrock's refusal, custom metrics with the RAG variables, the data's
``knowledgeBaseIdentifier`` checked before any model call; model-evaluation jobs unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.config.bedrock_recipe import RAG_JOB_TASK, job_custom_metrics, job_recipe
from assay.errors import ConfigError, DataError
from tests.conftest import write_jsonl

RAG_DATA = "bedrock_rag_eval_byoi_dataset_EXCERPT_first3.jsonl"    # R&G, "third-party-RAG"
EVALUATOR = "anthropic.claude-3-5-sonnet-20240620-v1:0"
GENERATOR = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
METRICS_PATH = "evaluationConfig.automated.datasetMetricConfigs[0].metricNames"
RELEVANCE = {"customMetricDefinition": {
    "name": "passage_focus",
    "instructions": "Rate how focused the retrieved passages are on the question asked by "
                    "the user.\n\nQuestion: {{prompt}}\nPassages: {{context}}",
    "ratingScale": [{"definition": "Focused", "value": {"floatValue": 1}},
                    {"definition": "Unfocused", "value": {"floatValue": 0}}]}}


def _job(rag_config: dict, metrics: list[str], *, custom: list | None = None,
         uri: str = "data.jsonl", **top) -> dict:
    auto: dict = {
        "datasetMetricConfigs": [{"taskType": "QuestionAndAnswer",    # ignored for RAG
                                  "dataset": {"name": "rag-ds",
                                              "datasetLocation": {"s3Uri": uri}},
                                  "metricNames": metrics}],
        "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": EVALUATOR}]},
    }
    if custom:
        auto["customMetricConfig"] = {"customMetrics": custom, "evaluatorModelConfig": {
            "bedrockEvaluatorModels": [{"modelIdentifier": EVALUATOR}]}}
    return {"jobName": "rag-eval-1", "roleArn": "arn:aws:iam::123456789012:role/Eval",
            "applicationType": "RagEvaluation",
            "inferenceConfig": {"ragConfigs": [rag_config]},
            "outputDataConfig": {"s3Uri": "s3://my-bucket/out/"},
            "evaluationConfig": {"automated": auto}} | top


def _precomputed(kind: str, ident: str = "third-party-RAG") -> dict:
    return {"precomputedRagSourceConfig": {kind: {"ragSourceIdentifier": ident}}}


def _write(tmp: Path, job: dict) -> Path:
    p = tmp / "job.json"
    p.write_text(json.dumps(job, indent=2), encoding="utf-8")
    return p


def _retrieve_rows(tmp: Path, ident: str = "my-retriever") -> Path:
    row = {"conversationTurns": [{
        "prompt": {"content": [{"text": "What is Amazon's SEC file number?"}]},
        "referenceResponses": [{"content": [{"text": "000-22513"}]}],
        "output": {"knowledgeBaseIdentifier": ident, "retrievedResults": {"retrievalResults": [
            {"content": {"text": "Commission File No. 000-22513"}}]}}}]}
    return write_jsonl(tmp / "data.jsonl", [row, row])


def _one_error_line(capsys) -> str:
    """The one ``error:`` line (warnings, said first, are lines of their own)."""
    lines = [ln for ln in capsys.readouterr().err.strip().splitlines()
             if not ln.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def test_retrieve_only_precomputed_job_translates(tmp_path):
    _retrieve_rows(tmp_path)
    job = _write(tmp_path, _job(_precomputed("retrieveSourceConfig", "my-retriever"),
                                ["Builtin.ContextRelevance", "Builtin.ContextCoverage",
                                 "passage_focus"], custom=[RELEVANCE]))
    t = job_recipe(job)
    r = t.recipe
    assert r.evaluation.task == RAG_JOB_TASK == "rag_eval"
    assert r.evaluation.strategy == "judge"
    assert r.assay.model == "byoi"
    assert r.assay.rag.mode == "retrieve"
    assert r.assay.rag.source_identifier == "my-retriever"
    assert r.assay.rag.knowledge_base is None
    assert r.judge.metrics == ["Builtin.ContextRelevance", "Builtin.ContextCoverage"]
    assert r.judge.custom_metrics == [str(job.resolve())]
    assert r.run.name == "rag-eval-1"
    assert t.job.is_rag and t.job.is_byoi and t.job.models == ()
    assert t.mapping["application_type"] == "RagEvaluation"
    assert t.mapping["rag"] == {"kind": "precomputed", "mode": "retrieve",
                                "bedrock": "my-retriever", "source_identifier": "my-retriever",
                                "knowledge_base": None, "top_k": None}
    assert "model" not in t.mapping
    assert t.mapping["metrics"] == ["Builtin.ContextRelevance", "Builtin.ContextCoverage",
                                    "passage_focus"]
    # the custom metric is read back from the job with the RAG variables ({{context}})
    assert [m.name for m in job_custom_metrics(job)] == ["passage_focus"]
    t.check_data()                       # every row carries my-retriever: no error


def test_retrieve_and_generate_precomputed_job_translates(tmp_path, samples):
    shutil.copy(samples / RAG_DATA, tmp_path / "data.jsonl")
    job = _write(tmp_path, _job(_precomputed("retrieveAndGenerateSourceConfig"),
                                ["Builtin.Faithfulness", "Builtin.LogicalCoherence",
                                 "Builtin.CitationPrecision"]))
    t = job_recipe(job)
    r = t.recipe
    assert (r.evaluation.task, r.assay.model) == ("rag_eval", "byoi")
    assert r.assay.rag.mode == "retrieve_and_generate"
    assert r.assay.rag.source_identifier == "third-party-RAG"
    assert r.judge.metrics == ["Builtin.Faithfulness", "Builtin.LogicalCoherence",
                               "Builtin.CitationPrecision"]
    assert Path(r.assay.data).name == "data.jsonl"
    assert t.mapping["rag"]["mode"] == "retrieve_and_generate"
    t.check_data()


def test_retrieve_only_metric_in_a_retrieve_and_generate_job_is_refused(tmp_path, samples,
                                                                         capsys):
    shutil.copy(samples / RAG_DATA, tmp_path / "data.jsonl")
    job = _write(tmp_path, _job(_precomputed("retrieveAndGenerateSourceConfig"),
                                ["Builtin.Correctness", "Builtin.Helpfulness",
                                 "Builtin.ContextRelevance"]))
    with pytest.raises(ConfigError) as exc:
        job_recipe(job)
    assert exc.value.file == str(job) and exc.value.field == f"{METRICS_PATH}[2]"
    assert main(["run", str(job), "--quiet"]) == 2
    err = _one_error_line(capsys)
    assert f"job.json: field '{METRICS_PATH}[2]'" in err
    assert "ContextRelevance is a retrieve-only metric" in err
    assert "rejects it in retrieve-and-generate" in err
    # and the other way round: a generation metric in a retrieve-only job
    job = _write(tmp_path, _job(_precomputed("retrieveSourceConfig"),
                                ["Builtin.ContextCoverage", "Builtin.Faithfulness"]))
    with pytest.raises(ConfigError, match=r"metricNames\[1\].*retrieve-and-generate metric"):
        job_recipe(job)


def test_custom_metric_must_show_its_modes_variable(tmp_path):
    _retrieve_rows(tmp_path)
    answer_only = {"customMetricDefinition": {
        "name": "tone", "instructions": "Rate the tone of the answer to the question.\n\n"
                                        "Answer: {{prediction}}",
        "ratingScale": [{"definition": "Good", "value": {"floatValue": 1}}]}}
    job = _write(tmp_path, _job(_precomputed("retrieveSourceConfig", "my-retriever"),
                                ["tone"], custom=[answer_only]))
    with pytest.raises(ConfigError) as exc:
        job_recipe(job)
    assert exc.value.file == str(job)
    assert exc.value.field == ("evaluationConfig.automated.customMetricConfig.customMetrics[0]"
                               ".customMetricDefinition.instructions")
    assert "{{context}}" in str(exc.value)


def test_mismatching_knowledge_base_identifier_fails_before_any_model_call(tmp_path, samples,
                                                                           capsys):
    data = Path(shutil.copy(samples / RAG_DATA, tmp_path / "data.jsonl"))
    assert "third-party-RAG" in data.read_text(encoding="utf-8")
    job = _write(tmp_path, _job(_precomputed("retrieveAndGenerateSourceConfig", "my-rag-app"),
                                ["Builtin.Faithfulness"]))
    t = job_recipe(job)
    with pytest.raises(DataError) as exc:
        t.check_data()
    assert exc.value.line == 1 and "knowledgeBaseIdentifier" in str(exc.value.field)
    assert main(["run", str(job), "--quiet", "--output-dir", str(tmp_path / "out")]) == 2
    err = _one_error_line(capsys)
    assert "data.jsonl:1:" in err and "knowledgeBaseIdentifier" in err
    assert "my-rag-app" in err or "third-party-RAG" in err
    assert not (tmp_path / "out").exists()


def test_rows_of_the_other_mode_are_refused(tmp_path, samples):
    shutil.copy(samples / RAG_DATA, tmp_path / "data.jsonl")       # retrieve-and-generate
    job = _write(tmp_path, _job(_precomputed("retrieveSourceConfig"),
                                ["Builtin.ContextRelevance"]))
    with pytest.raises(DataError, match="retrieve-and-generate, but the job's "
                       "retrieveSourceConfig is retrieve-only") as exc:
        job_recipe(job).check_data()
    assert exc.value.field == "conversationTurns[0].output"


def _kb_job(**retrieve) -> dict:
    cfg = {"knowledgeBaseId": "KB12345678",
           "retrievalConfiguration": {"vectorSearchConfiguration": {
               "numberOfResults": 7, "overrideSearchType": "SEMANTIC"}},
           "modelArn": GENERATOR} | retrieve
    return _job({"knowledgeBaseConfig": {"retrieveAndGenerateConfig": {
        "type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": cfg}}},
        ["Builtin.Correctness", "Builtin.Faithfulness"])


def test_knowledge_base_job_without_a_local_kb_gives_the_hint(tmp_path, capsys):
    write_jsonl(tmp_path / "data.jsonl", [{"conversationTurns": [
        {"prompt": {"content": [{"text": "q"}]}}]}])
    job = _write(tmp_path, _kb_job())
    field = ("inferenceConfig.ragConfigs[0].knowledgeBaseConfig.retrieveAndGenerateConfig"
             ".knowledgeBaseConfiguration.knowledgeBaseId")
    with pytest.raises(ConfigError) as exc:
        job_recipe(job)
    assert exc.value.field == field
    assert main(["run", str(job), "--quiet"]) == 2
    err = _one_error_line(capsys)
    assert f"field '{field}'" in err and "'KB12345678'" in err
    assert "assay kb build DOCS_DIR" in err and "--set assay.rag.knowledge_base=DIR" in err


def test_knowledge_base_job_translates_with_a_local_kb(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    job = _write(tmp_path, _kb_job())
    t = job_recipe(job, {"assay.rag.knowledge_base": str(kb)})
    r = t.recipe
    assert (r.evaluation.task, r.assay.rag.mode) == ("rag_eval", "retrieve_and_generate")
    assert r.assay.rag.knowledge_base == str(kb) and r.assay.rag.source_identifier is None
    assert (r.assay.rag.top_k, r.assay.rag.retrieval) == (7, "dense")
    assert r.assay.model == "local/smollm2"          # the stand-in for amazon.nova-lite
    assert any("'" + GENERATOR + "' by local/smollm2" in w for w in t.warnings)
    assert t.mapping["rag"]["kind"] == "knowledge_base"
    assert t.mapping["rag"]["bedrock"] == "KB12345678"
    assert t.mapping["model"]["bedrock"] == GENERATOR
    # knowledgeBaseId naming a folder beside the job file is that folder
    (tmp_path / "KB12345678").mkdir()
    r = job_recipe(job).recipe
    assert r.assay.rag.knowledge_base == str((tmp_path / "KB12345678").resolve())
    # a generating model with no local equivalent asks for -m
    job = _write(tmp_path, _kb_job(modelArn="arn:aws:bedrock:us-east-1::foundation-model/"
                                            "cohere.command-r-v1:0"))
    with pytest.raises(ConfigError, match="pass -m/--model"):
        job_recipe(job)
    assert job_recipe(job, {"assay.model": "mock/echo"}).recipe.assay.model == "mock/echo"


def test_retrieve_only_knowledge_base_job(tmp_path):
    (tmp_path / "kb").mkdir()
    job = _write(tmp_path, _job({"knowledgeBaseConfig": {"retrieveConfig": {
        "knowledgeBaseId": "kb", "knowledgeBaseRetrievalConfiguration": {
            "vectorSearchConfiguration": {"numberOfResults": 3}}}}},
        ["Builtin.ContextRelevance"]))
    r = job_recipe(job).recipe
    assert (r.assay.rag.mode, r.assay.rag.top_k) == ("retrieve", 3)
    assert r.assay.rag.knowledge_base == str((tmp_path / "kb").resolve())


@pytest.mark.parametrize("change, field, words", [
    ({"applicationType": "ModelEvaluation"}, "inferenceConfig.ragConfigs",
     "is for RAG evaluation jobs (applicationType RagEvaluation); this ModelEvaluation job "
     "gives inferenceConfig.models"),
    ({"inferenceConfig": {"models": [{"bedrockModel": {"modelIdentifier": "m"}}]}},
     "inferenceConfig.models", "is for model evaluation jobs (applicationType "
     "ModelEvaluation); this RagEvaluation job gives inferenceConfig.ragConfigs"),
    ({"applicationType": "Nope"}, "applicationType", "expected ModelEvaluation or"),
    ({"inferenceConfig": {"ragConfigs": []}}, "inferenceConfig.ragConfigs",
     "expected 1 to 1 items"),
    ({"inferenceConfig": {"ragConfigs": [{"precomputedRagSourceConfig": {}}]}},
     "inferenceConfig.ragConfigs[0].precomputedRagSourceConfig",
     "expected exactly one of retrieveSourceConfig"),
])
def test_malformed_rag_config_names_the_json_path(tmp_path, change, field, words):
    job = _write(tmp_path, _job(_precomputed("retrieveSourceConfig"),
                                ["Builtin.ContextRelevance"]) | change)
    with pytest.raises(ConfigError) as exc:
        job_recipe(job)
    assert exc.value.field == field and words in str(exc.value)
    assert "\n" not in str(exc.value)
