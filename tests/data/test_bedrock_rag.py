"""The Bedrock RAG dataset reader (formats.md §2.3): the real excerpt read unchanged, the
retrieve-only shape, the two keys told apart, chat history, ids and graded relevance of
reference contexts, and one-line errors naming file, line and field."""

from __future__ import annotations

import json

import pytest

from assay.data.bedrock_rag import RagDataset, is_rag_file
from assay.errors import DataError
from tests.conftest import write_jsonl

EXCERPT = "bedrock_rag_eval_byoi_dataset_EXCERPT_first3.jsonl"


def _turn(prompt="q?", **extra):
    return {"prompt": {"content": [{"text": prompt}]}, **extra}


def _retrieve_row(prompt="q?", passages=("p1", "p2"), kb="my-rag", **turn_extra):
    return {"conversationTurns": [_turn(prompt, output={
        "knowledgeBaseIdentifier": kb,
        "retrievedResults": {"retrievalResults": [{"content": {"text": t}} for t in passages]}},
        **turn_extra)]}


def test_the_bedrock_excerpt_reads_unchanged(samples):
    ds = RagDataset(samples / EXCERPT)
    info = ds.validate()
    assert (info.rows, info.kind) == (3, "retrieve_and_generate")
    assert info.knowledge_base_identifiers == ("third-party-RAG",)
    assert info.model_identifiers == ("third-party-model",)
    items = list(ds.iter_samples())
    first = items[0]
    assert first.prompt == "What is Amazon's SEC file number?"
    assert first.references == ("Amazon's SEC file number is 000-22513.",)
    assert first.response == "Amazon's SEC file number is 000-22513."
    assert [p.text for p in first.passages] == [
        "Commission File No. 000-22513",
        "AMAZON.COM, INC. (Exact name of registrant as specified in its charter)"]
    assert [(c.start, c.end, c.text) for c in first.citations] == [
        (0, 11, "Amazon's SEC"), (12, 22, "file number"), (23, 33, "is 000-22513")]
    assert first.citations[0].references[0].text == \
        "UNITED STATESSECURITIES AND EXCHANGE COMMISSION"
    # the echoed input keeps conversationTurns without the output
    assert "output" not in first.input_record["conversationTurns"][0]
    # and the output is written back in the same shape it came in
    row = json.loads((samples / EXCERPT).read_text().splitlines()[0])
    assert first.output_record() == row["conversationTurns"][0]["output"]
    assert is_rag_file(samples / EXCERPT)


def test_retrieve_only_rows_with_reference_contexts(tmp_path):
    row = _retrieve_row(referenceResponses=[{"content": [{"text": "ans"}]}],
                        referenceContexts=[{"content": [{"text": "p2"}]},
                                           {"content": [{"text": "x"}], "name": "doc-7",
                                            "relevance": 2}])
    row["conversationTurns"][0]["output"]["retrievedResults"]["retrievalResults"][0][
        "metadata"] = {"x-amz-bedrock-kb-chunk-id": "c-1"}
    ds = RagDataset(write_jsonl(tmp_path / "r.jsonl", [row]))
    info = ds.validate()
    assert (info.kind, info.with_references, info.with_reference_contexts) == ("retrieve", 1, 1)
    item = next(ds.iter_samples())
    assert [p.id for p in item.passages] == ["c-1", None]
    assert [(c.text, c.id, c.relevance) for c in item.reference_contexts] == [
        ("p2", None, 1.0), ("x", "doc-7", 2.0)]
    assert item.response is None and item.output_record()["retrievedResults"]


def test_earlier_turns_are_chat_history(tmp_path):
    row = {"conversationTurns": [
        _turn("first?", output={"text": "one", "retrievedPassages": {"retrievalResults": []}}),
        _turn("second?", output={"text": "two", "retrievedPassages": {"retrievalResults": []}})]}
    item = next(RagDataset(write_jsonl(tmp_path / "h.jsonl", [row])).iter_samples())
    assert item.prompt == "second?" and item.response == "two"
    assert item.history == (("first?", "one"),)
    assert "User: first?" in item.judge_prompt and item.judge_prompt.endswith("second?")


@pytest.mark.parametrize("mutate, field", [
    (lambda r: r.pop("conversationTurns"), "conversationTurns"),
    (lambda r: r["conversationTurns"][0]["prompt"]["content"].clear(),
     "conversationTurns[0].prompt.content"),
    (lambda r: r["conversationTurns"][0]["prompt"]["content"][0].update(text=5),
     "conversationTurns[0].prompt.content[0].text"),
    (lambda r: r["conversationTurns"][0]["output"].update(text="generated"),
     "conversationTurns[0].output.retrievedResults"),
    (lambda r: r["conversationTurns"][0]["output"].update(
        retrievedPassages={"retrievalResults": []}), "conversationTurns[0].output"),
    (lambda r: r["conversationTurns"][0]["output"]["retrievedResults"]["retrievalResults"]
     .append({"content": {}}),
     "conversationTurns[0].output.retrievedResults.retrievalResults[2].content.text"),
    (lambda r: r["conversationTurns"][0].update(referenceContexts=[
        {"content": [{"text": "x"}], "relevance": -1}]),
     "conversationTurns[0].referenceContexts[0].relevance"),
])
def test_bad_rows_name_file_line_and_field(tmp_path, mutate, field):
    good, bad = _retrieve_row(), _retrieve_row()
    mutate(bad)
    path = write_jsonl(tmp_path / "bad.jsonl", [good, bad])
    with pytest.raises(DataError) as e:
        RagDataset(path).validate()
    text = str(e.value)
    assert "\n" not in text and str(path) in text and ":2" in text and field in text


def test_a_generate_row_with_the_retrieve_only_key_is_refused(tmp_path):
    row = {"conversationTurns": [_turn(output={"text": "a", "retrievedResults": {
        "retrievalResults": []}})]}
    with pytest.raises(DataError, match="retrievedPassages"):
        RagDataset(write_jsonl(tmp_path / "x.jsonl", [row])).validate()


def test_rows_of_different_shapes_are_refused(tmp_path):
    gen = {"conversationTurns": [_turn(output={"text": "a", "retrievedPassages": {
        "retrievalResults": []}})]}
    with pytest.raises(DataError, match="retrieve-and-generate but earlier rows are "
                                        "retrieve-only"):
        RagDataset(write_jsonl(tmp_path / "m.jsonl", [_retrieve_row(), gen])).validate()


def test_the_knowledge_base_identifier_must_be_the_jobs(samples):
    with pytest.raises(DataError) as e:
        RagDataset(samples / EXCERPT, knowledge_base_identifier="my-kb").validate()
    assert ":1" in str(e.value) and "knowledgeBaseIdentifier" in str(e.value)
    assert "third-party-RAG" in str(e.value)
