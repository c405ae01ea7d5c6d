"""A scripted, deterministic backend for tests, docs and benchmarks.

``mock/<mode>`` with modes:

* ``echo``      returns the last user message;
* ``oracle``    returns the example's reference answer (``request.extra['gold']``);
* ``constant``  returns ``-M text=...`` (default ``"ok"``);
* ``script``    returns answers from ``-M file=answers.jsonl`` (``{"id"|"index", "text"}`` rows)
                or from ``-M responses=[...]`` cycled in order of example index.

Arguments for every mode: ``latency`` (seconds of async sleep per request),
``fail_every`` (every n-th example index fails with a ``model`` error, and every n-th
log-likelihood scoring call; deterministic),
``fail_kind`` (the error kind to raise), ``concurrency``, ``request_log`` (a file to which
the index of every request is appended, so tests can prove what was requested). When ``top_logprobs`` > 0 the
answer is split into whitespace tokens with deterministic pseudo log-probabilities, so
logprob plumbing can be tested without a model.

``loglikelihood`` (always supported) is deterministic: after the lm-evaluation-harness
whitespace move, ``logprob = -0.1 * len(continuation) - h`` with ``h`` in [0, 1) a stable hash
of (context, continuation), ``n_tokens`` = its number of words; overridden by
``-M ll_scores={"continuation": logprob, ...}`` (keys match the continuation, stripped) and
by ``-M ll_prefer=a,b`` (or a JSON list): those continuations score ``-0.01`` and are greedy,
every other one scores ``-5`` below the formula. ``greedy`` is otherwise ``logprob > -1``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailable, ConfigError, GenerationError
from .base import ModelSpec
from .echo_logprobs import split_whitespace
from .types import (Completion, InferenceRequest, LoglikelihoodRequest, LoglikelihoodResult,
                    TokenLogprob)

__all__ = ["MockBackend"]

_MODES = ("echo", "oracle", "constant", "script")


def _pseudo_logprob(key: str) -> float:
    h = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big")
    return -((h % 10_000) / 10_000.0) * 3.0 - 1e-4


class MockBackend:
    """Deterministic scripted model. Answers cost nothing, so nothing is cached."""

    cacheable = False
    supports_loglikelihood = True
    supports_images = True   # images are accepted (and counted in ``images_seen``)

    def __init__(self, mode: str = "echo", *, text: str = "ok", responses: list[str] | None = None,
                 script: dict[str, str] | None = None, latency: float = 0.0,
                 fail_every: int = 0, fail_kind: str = "model", concurrency: int = 64,
                 request_log: str | None = None, ll_scores: dict[str, float] | None = None,
                 ll_prefer: list[str] | tuple[str, ...] | None = None) -> None:
        if mode not in _MODES:
            raise BackendUnavailable(f"unknown mock mode {_show(mode)} "
                                     f"(known: {', '.join(_MODES)})",
                                     field="model")
        self.mode = mode
        self.name = f"mock/{mode}"
        self.text = text
        self.responses = list(responses or [])
        self.script = dict(script or {})
        self.latency = float(latency)
        self.instant = self.latency <= 0   # lets the runner skip per-example tasks
        self.fail_every = int(fail_every)
        self.fail_kind = fail_kind
        self.max_concurrency = int(concurrency)
        self.ll_scores = {str(k).strip(): float(v) for k, v in (ll_scores or {}).items()}
        self.ll_prefer = frozenset(str(p).strip() for p in (ll_prefer or ()))
        self.ll_calls = 0
        self.images_seen = 0   # images received on request messages (tests read it)
        self._log = open(request_log, "a", encoding="utf-8") if request_log else None

    def identity(self) -> dict[str, Any]:
        return {"provider": "mock", "mode": self.mode, "text": self.text}

    def answer(self, request: InferenceRequest) -> str:
        if self.mode == "echo":
            users = [m.content for m in request.messages if m.role == "user"]
            return users[-1] if users else ""
        if self.mode == "oracle":
            return str(request.extra.get("gold", ""))
        if self.mode == "constant":
            return self.text
        index = request.extra.get("index", 0)
        if request.example_id in self.script:
            return self.script[request.example_id]
        if str(index) in self.script:
            return self.script[str(index)]
        if self.responses:
            return self.responses[index % len(self.responses)]
        raise GenerationError("model", f"mock script has no answer for example {index}")

    def complete(self, request: InferenceRequest) -> Completion:
        index = request.extra.get("index", 0)
        if self._log is not None:
            self._log.write(f"{index}\n")
            self._log.flush()
        if self.fail_every and (index + 1) % self.fail_every == 0:
            raise GenerationError(self.fail_kind, f"scripted failure on example {index}",
                                  raw="<scripted failure>")
        messages = request.messages
        for m in messages:
            if m.images:
                self.images_seen += len(m.images)
        text = self.answer(request)
        k = request.settings.top_logprobs
        logprobs = None
        if k > 0:
            pieces = text.split(" ") if text else []
            logprobs = []
            for i, piece in enumerate(pieces):
                tok = ("▁" if i else "") + piece
                chosen = _pseudo_logprob(tok + str(i))
                alts = [(tok, chosen)] + [(f"{tok}#{j}", chosen - 1.0 - j) for j in range(1, k)]
                logprobs.append(TokenLogprob(tok, chosen, tuple(alts[:k])))
            logprobs = tuple(logprobs)
        n_in = sum([len(m.content.split()) for m in messages])
        return Completion(text=text, logprobs=logprobs, input_tokens=n_in,
                          output_tokens=len(text.split()), finish_reason="stop")

    async def generate(self, request: InferenceRequest) -> Completion:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        return self.complete(request)

    def score(self, request: LoglikelihoodRequest) -> LoglikelihoodResult:
        context, continuation = split_whitespace(request.context, request.continuation)
        key = continuation.strip()
        n = len(continuation.split()) if continuation.strip() else (1 if continuation else 0)
        h = int.from_bytes(hashlib.blake2b(f"{context}\x00{continuation}".encode(),
                                           digest_size=4).digest(), "big") / 2.0 ** 32
        if self.ll_prefer:
            if key in self.ll_prefer:
                return LoglikelihoodResult(-0.01, True, n)
            return LoglikelihoodResult(-0.1 * len(continuation) - h - 5.0, False, n)
        lp = self.ll_scores[key] if key in self.ll_scores else -0.1 * len(continuation) - h
        return LoglikelihoodResult(lp, lp > -1.0, n)

    async def loglikelihood(self, requests) -> list[LoglikelihoodResult]:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        self.ll_calls += 1
        if self._log is not None:
            self._log.write(f"ll:{len(requests)}\n")
            self._log.flush()
        if self.fail_every and self.ll_calls % self.fail_every == 0:
            raise GenerationError(self.fail_kind, f"scripted failure on scoring call "
                                  f"{self.ll_calls}", raw="<scripted failure>")
        return [self.score(r) for r in requests]

    async def aclose(self) -> None:
        if self._log is not None:
            self._log.close()


def _load_script(path: str) -> dict[str, str]:
    p = Path(str(path))
    if not p.is_file():
        raise BackendUnavailable(f"mock script file not found: {_show(path)}", field="file")
    out: dict[str, str] = {}
    try:
        with p.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    key = str(row.get("id", row.get("index")))
                    out[key] = str(row["text"])
                except (ValueError, KeyError, AttributeError, RecursionError) as exc:
                    reason = exc.msg if isinstance(exc, json.JSONDecodeError) else \
                        type(exc).__name__
                    raise ConfigError(f"bad mock script row ({reason}); expected "
                                      '{"id" or "index": ..., "text": "..."}',
                                      file=p, line=n) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the mock script ({type(exc).__name__})",
                          file=p) from None
    return out


#: the error kinds a scripted failure may raise (GenerationError.kind)
FAIL_KINDS = ("model", "rate_limit", "server", "timeout", "connection", "bad_request",
              "bad_response")
#: mock latency above this would only make a test hang
MAX_LATENCY_S = 60.0


def _show(value: Any) -> str:
    from ..data.textcheck import preview

    return preview(value)


def _bad(key: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"invalid value {_show(value)} for mock argument '{key}' "
                       f"(-M {key}=...): expected {expected}", field=f"-M {key}")


def _number(a: dict, key: str, default: float, *, minimum: float, maximum: float | None = None,
            integer: bool = False) -> Any:
    if key not in a or a[key] is None or (isinstance(a[key], str) and not a[key].strip()):
        return default
    raw = a[key]
    kind = "an integer" if integer else "a number"
    limits = f">= {minimum:g}" + (f" and <= {maximum:g}" if maximum is not None else "")
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise _bad(key, raw, f"{kind} {limits}")
    try:
        v = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise _bad(key, raw, f"{kind} {limits}") from None
    if not math.isfinite(v) or v < minimum or (maximum is not None and v > maximum) \
            or (integer and not v.is_integer()):
        raise _bad(key, raw, f"{kind} {limits}")
    return int(v) if integer else v


def create(spec: ModelSpec) -> MockBackend:
    """Build a mock from ``-M`` arguments; every bad argument is a one-line ConfigError."""
    a = dict(spec.args)
    responses = a.pop("responses", None)
    if isinstance(responses, str):
        try:
            responses = json.loads(responses)
        except (ValueError, RecursionError):
            responses = [responses]
    if responses is not None:
        if not isinstance(responses, list):
            responses = [responses]
        responses = [r if isinstance(r, str) else json.dumps(r, default=str) for r in responses]
    script = _load_script(a.pop("file")) if "file" in a else None
    latency = _number(a, "latency", 0.0, minimum=0.0, maximum=MAX_LATENCY_S)
    a.pop("latency", None)
    ll_scores = a.pop("ll_scores", None)
    if isinstance(ll_scores, str):
        try:
            ll_scores = json.loads(ll_scores) if ll_scores.strip() else None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"ll_scores is not valid JSON ({exc.msg})",
                              field="ll_scores") from None
        except (ValueError, RecursionError):
            raise ConfigError("ll_scores is not valid JSON", field="ll_scores") from None
    if ll_scores is not None and not isinstance(ll_scores, dict):
        raise ConfigError("ll_scores must be a JSON object {continuation: logprob}",
                          field="ll_scores")
    for k, v in (ll_scores or {}).items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"ll_scores[{_show(k)}] must be a finite number, got {_show(v)}",
                              field="ll_scores")
    prefer = a.pop("ll_prefer", None)
    if isinstance(prefer, str):
        try:
            prefer = json.loads(prefer) if prefer.strip().startswith("[") else prefer.split(",")
        except (ValueError, RecursionError):
            prefer = prefer.split(",")
    if prefer is not None and not isinstance(prefer, (list, tuple)):
        prefer = [prefer]
    known = {"text", "fail_every", "fail_kind", "concurrency", "request_log"}
    unknown = set(a) - known
    if unknown:
        names = ", ".join(sorted(_show(k)[1:-1] if isinstance(k, str) else _show(k)
                                 for k in unknown))
        raise ConfigError(f"unknown mock argument(s): {names} (known: file, latency, ll_prefer, "
                          f"ll_scores, responses, {', '.join(sorted(known))})",
                          field="model_args")
    fail_every = _number(a, "fail_every", 0, minimum=0, integer=True)
    concurrency = _number(a, "concurrency", 64, minimum=1, maximum=4096, integer=True)
    fail_kind = str(a.get("fail_kind", "model"))
    if fail_kind not in FAIL_KINDS:
        raise _bad("fail_kind", fail_kind, f"one of {', '.join(FAIL_KINDS)}")
    request_log = a.get("request_log")
    if request_log is not None:
        log = Path(str(request_log))
        if log.is_dir() or not log.parent.is_dir():
            raise _bad("request_log", request_log, "a file in an existing folder")
    text = a.get("text", "ok")
    if not isinstance(text, str):
        text = json.dumps(text, default=str) if isinstance(text, (dict, list)) else str(text)
    try:
        return MockBackend(spec.model or "echo", text=text, responses=responses,
                           script=script, latency=latency, fail_every=fail_every,
                           fail_kind=fail_kind, concurrency=concurrency,
                           request_log=None if request_log is None else str(request_log),
                           ll_scores=ll_scores, ll_prefer=prefer)
    except OSError as exc:
        raise _bad("request_log", request_log,
                   f"a writable file ({exc.strerror or type(exc).__name__})") from None
