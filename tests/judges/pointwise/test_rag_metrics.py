"""RAG judge metric definitions: names and kinds (Bedrock's refusal both ways), the
whole-answer metrics reuse the model-evaluation judges, unit prompts render, custom RAG
metrics must show {{context}} (retrieve-only) or {{prediction}}, and the statement splitter."""

from __future__ import annotations

import pytest

from assay.errors import ConfigError
from assay.judges.pointwise import BUILTIN_METRICS, parse_custom_metric, RAG_VARIABLES
from assay.judges.pointwise.claims import split_claims
from assay.judges.pointwise.rag import (GENERATE_METRICS, RAG_METRICS, RETRIEVE_METRICS,
                                        custom_rag_metric, resolve_rag_metric)


def test_the_metric_sets_are_bedrocks():
    assert RETRIEVE_METRICS == ("Builtin.ContextRelevance", "Builtin.ContextCoverage")
    assert set(GENERATE_METRICS) == {
        "Builtin.Correctness", "Builtin.Completeness", "Builtin.Helpfulness",
        "Builtin.LogicalCoherence", "Builtin.Faithfulness", "Builtin.Harmfulness",
        "Builtin.Stereotyping", "Builtin.Refusal", "Builtin.CitationPrecision",
        "Builtin.CitationCoverage"}


def test_whole_answer_metrics_reuse_the_model_evaluation_judges():
    assert RAG_METRICS["Builtin.Correctness"].judge is BUILTIN_METRICS["Builtin.Correctness"]
    coherence = RAG_METRICS["Builtin.LogicalCoherence"].judge
    assert coherence.instructions == BUILTIN_METRICS["Builtin.Coherence"].instructions
    assert coherence.name == "Builtin.LogicalCoherence"
    assert RAG_METRICS["Builtin.Harmfulness"].lower_is_better


@pytest.mark.parametrize("name, kind, words", [
    ("ContextRelevance", "retrieve_and_generate", "is a retrieve-only metric"),
    ("context_coverage", "retrieve_and_generate", "is a retrieve-only metric"),
    ("Builtin.Faithfulness", "retrieve", "is a retrieve-and-generate metric"),
    ("Builtin.Coherence", "retrieve_and_generate", "a model-evaluation metric"),
    ("Builtin.Relevence", "retrieve", "unknown RAG judge metric"),
])
def test_refusals_are_one_line(name, kind, words):
    with pytest.raises(ConfigError) as e:
        resolve_rag_metric(name, kind, field="judge.metrics[0]")
    assert words in str(e.value) and "\n" not in str(e.value)


def test_spellings_resolve():
    assert resolve_rag_metric("citation_precision", "retrieve_and_generate").name == \
        "Builtin.CitationPrecision"
    assert resolve_rag_metric("ContextRelevance", "retrieve").unit == "passage"


def test_unit_prompts_render_what_they_judge():
    text = RAG_METRICS["Builtin.Faithfulness"].judge.render_prompt(
        {"prompt": "Q?", "prediction": "Claim one.", "context": "[1] passage"})
    assert "[Statement from the answer]\nClaim one." in text and "[1] passage" in text
    assert "Supported, Partly supported, Not supported" in text


def _custom(instructions: str):
    return parse_custom_metric({"name": "grounded", "instructions": instructions,
                                "ratingScale": [{"definition": "yes", "value": {"floatValue": 1}},
                                                {"definition": "no", "value": {"floatValue": 0}}]},
                               variables=RAG_VARIABLES)


def test_custom_rag_metrics_must_show_what_their_kind_judges():
    both = _custom("Is {{prediction}} backed by {{context}} and {{reference_contexts}}?")
    assert custom_rag_metric(both, "retrieve_and_generate").unit == "whole"
    with pytest.raises(ConfigError, match="a retrieve-only evaluation has no generated answer"):
        custom_rag_metric(both, "retrieve")
    ctx_only = _custom("Are these passages on topic for {{prompt}}: {{context}}")
    assert custom_rag_metric(ctx_only, "retrieve").source == "custom"
    with pytest.raises(ConfigError, match="never uses {{prediction}}"):
        custom_rag_metric(ctx_only, "retrieve_and_generate")


@pytest.mark.parametrize("text, expected", [
    ("", []),
    ("One sentence here.", ["One sentence here."]),
    ("First claim is here. Second claim is there!", ["First claim is here.",
                                                     "Second claim is there!"]),
    ("Yes. The sky is blue today.", ["Yes. The sky is blue today."]),   # short piece joins
    ("- item one is here\n2) item two is there", ["item one is here", "item two is there"]),
    ("Costs 5.90 euros in total. Ok.", ["Costs 5.90 euros in total. Ok."]),
])
def test_statements(text, expected):
    got = split_claims(text)
    assert [s.text for s in got] == expected
    for s in got:   # offsets point at the text
        assert text[s.start:s.end] == s.text
