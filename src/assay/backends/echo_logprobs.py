"""Log-likelihood helpers shared by the backends: the lm-evaluation-harness whitespace rule and
the parsing of prompt log-probabilities echoed by an OpenAI-compatible ``/completions`` route.

Echo alignment. A completions endpoint asked for ``echo: true, logprobs: k`` returns, per prompt
token ``i``: ``tokens[i]``, ``text_offset[i]``, ``token_logprobs[i]`` and ``top_logprobs[i]`` (a
``{token text: logprob}`` dict of the k best tokens of one distribution). Servers disagree on
*which* distribution entry ``i`` describes:

* ``aligned``  (OpenAI legacy API, vLLM, llama-cpp-python for models that add a BOS token): entry
  ``i`` is the distribution that predicted token ``i``, so ``token_logprobs[i]`` is
  ``log P(token i | tokens < i)`` (``None`` for the first token);
* ``shifted``  (llama-cpp-python 0.3.x for models without a BOS token, e.g. SmolLM2): entry ``i``
  is the distribution computed *after* token ``i``. ``token_logprobs[i]`` is then meaningless
  and ``log P(token i+1 | tokens <= i)`` can only be read from ``top_logprobs[i][tokens[i+1]]``,
  which is exact only when that token is among the k returned; when it is not, the backend
  scores that token with one more request that forces it (see ``EchoLoglikelihood._forced``).

Measured in llama-cpp-python 0.3.36 (``Llama._create_completion``, echo branch): ``all_tokens``
drops a leading BOS, ``all_logprobs = logits_to_logprobs(self._scores)[0:]`` has one row per
evaluated prompt token (BOS included) and the two are zipped: with a BOS the rows line up
(row r predicts token r+1); without one, entry i pairs token i with the row computed after it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import BackendUnavailable, GenerationError
from .types import LoglikelihoodRequest, LoglikelihoodResult

__all__ = ["split_whitespace", "ALIGNMENTS", "NotInTopK", "score_echo", "detect_alignment",
           "PROBE_TEXT", "one_token_completion", "EchoLoglikelihood"]

ALIGNMENTS = ("auto", "aligned", "shifted")
#: a short text whose next tokens a language model predicts with near certainty
PROBE_TEXT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16"
_TIE = 1e-6
#: statuses with which an endpoint says it does not do echo + logprobs on /completions
_ECHO_REFUSED = {400, 404, 405, 422, 501}
T = TypeVar("T")


def split_whitespace(context: str, continuation: str) -> tuple[str, str]:
    """Move the context's trailing whitespace onto the continuation (lm-evaluation-harness)."""
    stripped = context.rstrip()
    n = len(context) - len(stripped)
    if n:
        return stripped, context[len(stripped):] + continuation
    return context, continuation


class NotInTopK(GenerationError):
    """A shifted-alignment server did not return a needed token among its top-k alternatives."""

    def __init__(self, message: str, k: int) -> None:
        super().__init__("bad_response", message)
        self.k = k


def _lists(lp: Any) -> tuple[list, list, list, list]:
    if not isinstance(lp, dict):
        raise ValueError("no logprobs object in the response")
    tokens, lps = lp.get("tokens"), lp.get("token_logprobs")
    offsets, tops = lp.get("text_offset"), lp.get("top_logprobs")
    if not isinstance(tokens, list) or not isinstance(lps, list) or not isinstance(offsets, list):
        raise ValueError("logprobs lack tokens / token_logprobs / text_offset")
    if not isinstance(tops, list):
        tops = [None] * len(tokens)
    if not (len(tokens) == len(lps) == len(offsets)):
        raise ValueError("logprobs lists have different lengths")
    return tokens, lps, offsets, tops


def echo_tokens(lp: Any, context_len: int, prompt_len: int, alignment: str
                ) -> list[tuple[int, int, str, float | None, bool | None]]:
    """The continuation's tokens in an echoed ``logprobs`` object: ``(index, text_offset, text,
    logprob, greedy)``, logprob/greedy ``None`` where a shifted server's top-k lacks the token.

    The continuation's tokens are those with ``context_len <= text_offset < prompt_len`` (the
    generated token, at ``prompt_len``, is left out). ``ValueError``: the object is malformed;
    ``GenerationError``: a value is not available at all (e.g. for the first prompt token)."""
    if alignment not in ("aligned", "shifted"):
        raise ValueError(f"alignment must be aligned or shifted, not {alignment!r}")
    tokens, lps, offsets, tops = _lists(lp)
    idx = [i for i, off in enumerate(offsets)
           if isinstance(off, int) and context_len <= off < prompt_len]
    if not idx and prompt_len > context_len:
        raise ValueError("no echoed token starts inside the continuation "
                         "(the endpoint did not echo the prompt)")
    out: list[tuple[int, int, str, float | None, bool | None]] = []
    for i in idx:
        value: Any
        if alignment == "aligned":
            value, top = lps[i], tops[i]
            if value is None:
                raise GenerationError("bad_request", "the endpoint gives no log-probability "
                                      "for the first prompt token; use a non-empty context")
        else:
            top = tops[i - 1] if i > 0 else None
            if top is None:
                raise GenerationError("bad_request", "the endpoint (shifted echo alignment) "
                                      "gives no distribution before the second prompt token; "
                                      "the context is too short to score this continuation")
            want = tokens[i]
            if not isinstance(want, str) or want == "":
                raise GenerationError("bad_response", "cannot look up a token whose text is "
                                      "empty (a partial UTF-8 byte) in the echoed top_logprobs; "
                                      "the score would not be exact")
            if want not in top:
                out.append((i, offsets[i], want, None, None))
                continue
            value = top[want]
        if not isinstance(top, dict) or not top:
            raise ValueError("top_logprobs are missing; cannot tell whether tokens are greedy")
        out.append((i, offsets[i], str(tokens[i]), float(value), _is_best(float(value), top)))
    return out


def _is_best(value: float, top: dict) -> bool:
    best = max(float(v) for v in top.values() if v is not None)
    return value >= best - _TIE


def score_echo(lp: Any, context_len: int, prompt_len: int, alignment: str, k: int
               ) -> LoglikelihoodResult:
    """Sum the continuation's log-probabilities from an echoed ``logprobs`` object
    (:func:`echo_tokens`); :class:`NotInTopK` when a shifted server's top ``k`` lacks one."""
    total, greedy, n = 0.0, True, 0
    for _i, off, text, value, best in echo_tokens(lp, context_len, prompt_len, alignment):
        if value is None:
            raise NotInTopK(f"token {text!r} at character {off} is not among the top {k} "
                            "alternatives the endpoint returned", k)
        total += value if math.isfinite(value) else float("-inf")
        greedy = greedy and bool(best)
        n += 1
    return LoglikelihoodResult(total, greedy, n)


def forced_token(lp: Any, want: str) -> tuple[float, bool]:
    """(logprob, greedy) of the one generated token of a non-echo completion with logprobs;
    ``ValueError`` when the server did not generate ``want``."""
    tokens, lps, _offsets, tops = _lists(lp)
    if not tokens or tokens[0] != want or lps[0] is None:
        raise ValueError(f"the server generated {tokens[:1]!r}, not the forced token {want!r}")
    top = tops[0] if isinstance(tops[0], dict) and tops[0] else {want: lps[0]}
    return float(lps[0]), _is_best(float(lps[0]), top)


def detect_alignment(lp: Any) -> str | None:
    """``aligned``/``shifted`` from the echo of :data:`PROBE_TEXT` (top-1 alternatives), or
    ``None`` when the evidence is unclear. In an aligned echo the best alternative of entry ``i``
    is usually ``tokens[i]``; in a shifted one it is ``tokens[i+1]``."""
    tokens, _lps, _offsets, tops = _lists(lp)
    aligned = shifted = 0
    for i, top in enumerate(tops):
        if not isinstance(top, dict) or not top:
            continue
        best = max(top.items(), key=lambda kv: float("-inf") if kv[1] is None else float(kv[1]))[0]
        if best == tokens[i]:
            aligned += 1
        if i + 1 < len(tokens) and best == tokens[i + 1]:
            shifted += 1
    if aligned >= 4 and aligned >= 2 * shifted + 2:
        return "aligned"
    if shifted >= 4 and shifted >= 2 * aligned + 2:
        return "shifted"
    return None


async def one_token_completion(backend: Any, body: dict[str, Any], n_prompt: int,
                               read: Callable[[dict[str, Any]], T], problem: str) -> T:
    """``read(choice)`` of the first choice of ``POST /completions`` with ``body`` (a one-token
    completion), under ``backend``'s retries, after checking that the server read the prompt
    as ``n_prompt`` tokens. An answer that cannot be read is a non-retryable ``bad_response``
    saying ``problem`` (``backend`` is an :class:`~assay.backends.openai.OpenAIBackend`: its
    ``_post``, ``_retried`` and ``_bad``)."""

    async def attempt() -> T:
        payload, text, status = await backend._post("/completions", body)
        try:
            choice = payload["choices"][0]
            used = (payload.get("usage") or {}).get("prompt_tokens")
            if isinstance(used, int) and used != n_prompt:
                raise ValueError(f"the prompt was read as {used} tokens, not {n_prompt}")
            return read(choice)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise backend._bad(f"{problem} ({exc})", text, status, retryable=False) from None

    return await backend._retried(attempt)


class EchoLoglikelihood:
    """``loglikelihood`` for :class:`~assay.backends.openai.OpenAIBackend` (a mixin: it uses
    the backend's ``_post``, ``_retried``, ``_bad``, ``_redact`` and its ``echo_*`` settings)."""

    async def _echo(self, prompt: str, k: int) -> dict:
        """POST /completions with echo; the first choice's ``logprobs`` object."""
        body: dict[str, Any] = {"model": self.model, "prompt": prompt, "max_tokens": 1,
                                "echo": True, "logprobs": k, "temperature": 0.0, "stream": False}
        body.update(self.extra_body)

        async def attempt():
            payload, text, status = await self._post("/completions", body)
            choices = payload.get("choices") if isinstance(payload, dict) else None
            if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
                raise self._bad("completions response has no choices", text, status)
            lp = choices[0].get("logprobs")
            if not isinstance(lp, dict) or not isinstance(lp.get("tokens"), list):
                raise BackendUnavailable(
                    f"{self.name}: {self.display_url}/completions returned no echoed prompt "
                    "logprobs; this endpoint cannot score continuations (loglikelihood)",
                    field="model")
            return lp

        try:
            return await self._retried(attempt)
        except GenerationError as err:
            if err.status in _ECHO_REFUSED:
                detail = f": {err.message.split(': ', 2)[-1][:200]}" if ": " in err.message else ""
                raise BackendUnavailable(
                    f"{self.name}: {self.display_url}/completions refused an echo+logprobs "
                    f"request (HTTP {err.status}); this endpoint cannot score continuations "
                    f"(loglikelihood){self._redact(detail)}".replace("\n", " "),
                    field="model") from None
            raise

    def _alignment_guard(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._alignment_lock is None or self._alignment_loop is not loop:
            self._alignment_lock = asyncio.Lock()
            self._alignment_loop = loop
        return self._alignment_lock

    async def resolve_echo_alignment(self) -> str:
        """The server's echo alignment: the configured one, or probed once and kept."""
        if self._alignment is not None:
            return self._alignment
        async with self._alignment_guard():
            if self._alignment is None:
                lp = await self._echo(PROBE_TEXT, 1)
                try:
                    found = detect_alignment(lp)
                except ValueError as exc:
                    raise BackendUnavailable(f"{self.name}: cannot read the echoed logprobs of "
                                             f"{self.display_url}/completions ({exc})",
                                             field="model") from None
                if found is None:
                    raise GenerationError(
                        "bad_response", f"{self.name}: could not tell how "
                        f"{self.display_url} aligns echoed prompt logprobs; set "
                        "-M echo_alignment=aligned (OpenAI/vLLM convention) or shifted")
                self._alignment = found
        return self._alignment

    async def _forced(self, prefix: str, want: str, n_before: int) -> tuple[float, bool]:
        """log P(want | prefix) from a non-echo completion whose only token is forced to
        ``want`` by ``logit_bias`` (llama-cpp-python reports logprobs of the unbiased logits).
        Exact, one request per token: the fallback of a shifted server's missing top-k."""
        body: dict[str, Any] = {"model": self.model, "prompt": prefix, "max_tokens": 1,
                                "logprobs": 1, "temperature": 0.0, "stream": False,
                                "logit_bias": {want: 100.0}, "logit_bias_type": "tokens"}
        body.update(self.extra_body)

        # llama-cpp-python replays the last prompt token alone when the prompt is a prefix of
        # its KV cache, and that replay gives logits ~0.03 off a full evaluation; a throwaway
        # request with an unrelated prompt first makes it evaluate the prefix afresh.
        breaker = {"model": self.model, "prompt": "\n", "max_tokens": 1, "temperature": 0.0,
                   "stream": False}
        async with self._forced_guard():
            await self._retried(lambda: self._post("/completions", breaker))
            return await one_token_completion(
                self, body, n_before, lambda choice: forced_token(choice.get("logprobs"), want),
                f"cannot score token {want!r} exactly by forcing it")

    def _forced_guard(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if getattr(self, "_forced_lock", None) is None or self._forced_loop is not loop:
            self._forced_lock = asyncio.Lock()
            self._forced_loop = loop
        return self._forced_lock

    async def _score(self, req: LoglikelihoodRequest, alignment: str) -> LoglikelihoodResult:
        context, continuation = split_whitespace(req.context, req.continuation)
        prompt = context + continuation
        k = self.echo_top_logprobs or (1 if alignment == "aligned" else 20)
        lp = await self._echo(prompt, k)
        try:
            entries = echo_tokens(lp, len(context), len(prompt), alignment)
        except ValueError as exc:
            raise BackendUnavailable(f"{self.name}: {self.display_url}/completions did not "
                                     f"echo usable prompt logprobs ({exc})",
                                     field="model") from None
        except GenerationError as exc:
            exc.message = f"{self.name}: {exc.message}"
            exc.args = (exc.message,)
            raise
        total, greedy = 0.0, True
        for i, off, text, value, best in entries:
            if value is None:  # shifted and not in the top k: force the token instead
                value, best = await self._forced(prompt[:off], text, i)
                self.stats["forced_tokens"] = self.stats.get("forced_tokens", 0) + 1
            total += value if math.isfinite(value) else float("-inf")
            greedy = greedy and bool(best)
        return LoglikelihoodResult(total, greedy, len(entries))

    async def loglikelihood(self, requests) -> list[LoglikelihoodResult]:
        """Score each continuation after its context: by forced next-token logprobs
        (:mod:`assay.backends.forced_logprobs`) when the backend's mode resolves to
        ``forced``, else via echoed prompt logprobs."""
        if not self.supports_loglikelihood:
            raise BackendUnavailable(f"{self.name}: loglikelihood scoring is off for this "
                                     "endpoint; enable it with -M loglikelihood=true if its "
                                     "/completions route echoes prompt logprobs, or "
                                     "-M loglikelihood=forced if it exposes its tokenizer "
                                     "(/tokenize or /extras/tokenize)", field="model")
        reqs = list(requests)
        if not reqs:
            return []
        resolve = getattr(self, "resolve_loglikelihood_mode", None)
        if resolve is not None and await resolve() == "forced":
            got = await self.forced_loglikelihood(reqs)
            rest = [i for i, r in enumerate(got) if r is None]   # not exact without echo
            if rest:
                alignment = await self.resolve_echo_alignment()
                done = await asyncio.gather(*(self._score(reqs[i], alignment) for i in rest))
                for i, r in zip(rest, done):
                    got[i] = r
                self.stats["echo_fallbacks"] = self.stats.get("echo_fallbacks", 0) + len(rest)
            return got
        alignment = await self.resolve_echo_alignment()
        return list(await asyncio.gather(*(self._score(r, alignment) for r in reqs)))

