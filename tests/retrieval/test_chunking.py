"""Chunking: word windows, offsets, overlap, ids and the deterministic reading order."""

from __future__ import annotations

import json

import pytest

from assay.errors import ConfigError, DataError
from assay.retrieval.chunking import (Document, chunk_document, chunk_documents,
                                      read_documents)


def _doc(n_words: int, name: str = "a.md") -> Document:
    return Document(doc=name, name=name, text="  ".join(f"w{i}" for i in range(n_words)) + "\n")


def test_windows_overlap_and_offsets():
    d = _doc(10)
    chunks = chunk_document(d, chunk_words=4, overlap=1)
    assert [c.text.split() for c in chunks] == [
        ["w0", "w1", "w2", "w3"], ["w3", "w4", "w5", "w6"], ["w6", "w7", "w8", "w9"]]
    for c in chunks:
        assert d.text[c.start:c.end] == c.text
        assert c.metadata == {"doc": "a.md", "chunk": c.index, "start": c.start, "end": c.end}
    assert [c.id for c in chunks] == ["a.md#0", "a.md#1", "a.md#2"]
    assert chunks[0].start == 0 and chunks[-1].end == len(d.text) - 1


def test_last_window_ends_at_last_word_and_short_docs_are_one_chunk():
    chunks = chunk_document(_doc(11), chunk_words=4, overlap=1)
    assert chunks[-1].text.split() == ["w9", "w10"]
    assert len(chunk_document(_doc(4), chunk_words=4, overlap=1)) == 1
    assert chunk_document(Document(doc="e", name="e", text=" \n\t "), 4, 1) == []


def test_chunk_text_keeps_the_original_whitespace():
    d = Document(doc="x.md", name="x.md", text="# Title\n\nfirst line\nsecond  line")
    (c,) = chunk_document(d, chunk_words=10, overlap=2)
    assert c.text == "# Title\n\nfirst line\nsecond  line"


@pytest.mark.parametrize("words,overlap", [(0, 0), (5, 5), (5, -1), (True, 0), (5, 1.5)])
def test_bad_params_are_config_errors(words, overlap):
    with pytest.raises(ConfigError):
        chunk_document(_doc(3), chunk_words=words, overlap=overlap)


def _corpus(root):
    (root / "b").mkdir(parents=True)
    (root / "b" / "z.txt").write_text("zeta " * 7, encoding="utf-8")
    (root / "a.md").write_text("alpha beta gamma", encoding="utf-8")
    (root / "notes.pdf").write_bytes(b"%PDF ignored")
    (root / ".hidden.md").write_text("hidden", encoding="utf-8")
    rows = [{"id": "r1", "text": "one two three four five six seven", "title": "Row one",
             "metadata": {"lang": "en", "doc": "clash"}},
            {"id": "r2", "text": "short row"}]
    (root / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    kb = root / "built.kb"
    kb.mkdir()
    (kb / "kb.json").write_text("{}")
    (kb / "chunks.jsonl").write_text(json.dumps({"id": "no", "text": "not a doc"}) + "\n")


def test_reads_sorted_paths_jsonl_rows_and_skips_the_rest(tmp_path):
    _corpus(tmp_path)
    docs = read_documents(tmp_path)
    assert [d.doc for d in docs] == ["a.md", "b/z.txt", "r1", "r2"]
    chunks = chunk_documents(docs, chunk_words=5, overlap=2)
    assert [c.id for c in chunks] == ["a.md#0", "b/z.txt#0", "b/z.txt#1", "r1#0", "r1#1", "r2"]
    r1 = chunks[3]
    assert r1.name == "Row one"
    assert r1.metadata == {"lang": "en", "doc": "r1", "chunk": 0, "start": 0, "end": 23,
                           "source": "c.jsonl", "title": "Row one"}
    assert chunks[-1].name == "r2" and chunks[-1].metadata["source"] == "c.jsonl"
    assert chunk_documents(read_documents(tmp_path), 5, 2) == chunks   # deterministic


def test_duplicate_ids_and_bad_rows_are_data_errors(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "a"}\n{"id": "x", "text": "b"}\n')
    with pytest.raises(DataError, match="'x'"):
        read_documents(tmp_path)
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": 3}\n')
    with pytest.raises(DataError, match="a.jsonl:1: field 'text'"):
        read_documents(tmp_path)
    (tmp_path / "a.jsonl").write_text('not json\n')
    with pytest.raises(DataError, match="a.jsonl:1"):
        read_documents(tmp_path)


def test_missing_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not a folder"):
        read_documents(tmp_path / "nope")
