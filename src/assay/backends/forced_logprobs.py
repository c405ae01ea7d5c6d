"""Log-likelihood without prompt echo: score each continuation token from the *next-token*
distribution of a one-token completion, for OpenAI-compatible servers that expose their
tokenizer (``llama_cpp.server``: ``POST /extras/tokenize`` and ``/extras/detokenize``; vLLM:
``POST /tokenize`` and ``/detokenize``).

Method, per :class:`~assay.backends.types.LoglikelihoodRequest` (lm-evaluation-harness's rule):
the context's trailing whitespace moves onto the continuation; ``seq = tokens(context +
continuation)``, ``start = len(tokens(context))`` (the server's own tokenizer, BOS included
where the model adds one, as the local backend does), and the score is
``sum(log P(seq[p] | seq[:p]) for p in range(start, len(seq)))``. Every distinct prefix
``seq[:p]`` is asked once, with ``max_tokens: 1, temperature: 0, logprobs: k``:

* the answer's ``top_logprobs[0]`` is the top ``k`` of the distribution after the prefix
  (``{token text: logprob}``). Every wanted token found there is read from it: the choices of
  one item share their context, so single-token continuations (`` A``/`` B``/...) all come
  from ONE request. A token is read from the top-k only when that is unambiguous: its text
  (``/detokenize``) is non-empty, exactly the text it covers in the continuation, and the
  top-k has ``k`` distinct keys (no two tokens collapsed onto one text);
* a wanted token that is not there is *forced*: the same prompt with ``logit_bias {id: 100}``
  makes the server generate it, and ``token_logprobs[0]`` is its log-probability.
  llama-cpp-python applies ``logit_bias`` in its sampler and reports log-probabilities of the
  unbiased logits (``Llama._create_completion``: ``logits_to_logprobs(self._scores)``; verified
  by a test). A server that reported biased values would show a different top-k for the same
  prefix; the first forced answer is compared with the unforced one and such a server is
  refused (:class:`~assay.errors.BackendUnavailable`), never trusted.

``greedy``: every continuation token is the argmax of its distribution (its logprob is the
best of the unforced top-k; when the model's argmax is an end-of-generation token the server
returns no logprobs, and no continuation token at that prefix is greedy).

llama.cpp computes a batch of one token by another kernel than larger batches (on SmolLM2's
Q4_1 weights a score through the server was 0.18 nat off when the server replayed one token
from its KV cache), so on ``llama_cpp.server`` the prompts are sent depth-first and, where the
server would evaluate a single token, a throwaway prompt first cuts its cache to ``len - 2``
tokens (or resets it): every position is computed in a batch of two or more, and the scores
equal the local backend's (tested). The forced requests of a prefix reuse the logits of its
top-k request exactly (llama-cpp-python skips evaluation when the whole prompt is cached).

Prompts: vLLM takes the token ids themselves. ``llama_cpp.server`` takes text only, so the
prefix is sent as ``context + detokenize(seq[start:p])``, and used only after
``/extras/tokenize`` gives back exactly ``seq[:p]`` (and the answer's ``usage.prompt_tokens``
agrees); a request whose prefix does not round-trip is scored by the echo path instead.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import BackendUnavailable, GenerationError
from .echo_logprobs import one_token_completion, split_whitespace
from .types import LoglikelihoodRequest, LoglikelihoodResult

__all__ = ["ForcedLoglikelihood", "TOKENIZERS", "FORCE_BIAS", "Plan", "plan_requests", "MODES",
           "loglikelihood_mode"]

#: tokenizer protocols: name -> (tokenize route, detokenize route); routes are from the root
TOKENIZERS = {"llama_cpp": ("/extras/tokenize", "/extras/detokenize"),
              "vllm": ("/tokenize", "/detokenize")}
#: logit bias that makes the forced token the argmax
FORCE_BIAS = 100.0
_TIE = 1e-6
_AGREE = 1e-4
_ABSENT = {400, 404, 405, 422, 501}


class Plan:
    """One request's tokens: ``seq`` and the index of its first continuation token."""

    __slots__ = ("context", "continuation", "seq", "start", "ok")

    def __init__(self, context: str, continuation: str, seq: list[int], start: int,
                 ok: bool) -> None:
        self.context, self.continuation = context, continuation
        self.seq, self.start, self.ok = seq, start, ok


def plan_requests(reqs: list[LoglikelihoodRequest], tokens: dict[str, list[int]]) -> list[Plan]:
    """Plans from the server's tokenisation of every context and context + continuation
    (``tokens`` maps text to ids). ``ok`` is false for an empty context (it would need a
    BOS/EOS prompt that a text-only server cannot be sent): the echo path scores those."""
    plans = []
    for r in reqs:
        context, continuation = split_whitespace(r.context, r.continuation)
        whole = tokens[context + continuation]
        ctx = tokens[context] if context else []
        start = len(ctx)
        # the prefix is sent as the context's text: it must tokenize to the same ids
        ok = bool(context) and 0 < start <= len(whole) and whole[:start] == ctx
        plans.append(Plan(context, continuation, whole, start, ok))
    return plans


class ForcedLoglikelihood:
    """Mixin for :class:`~assay.backends.openai.OpenAIBackend` (uses its ``_post``,
    ``_retried``, ``_bad``, ``_url``, ``model``, ``extra_body``, ``echo_top_logprobs``)."""

    _tokenizer: str | None = None
    _bias_checked: bool = False
    _kv_state: tuple | None = None

    # -- the server's tokenizer -------------------------------------------------------------
    def _root_url(self, route: str) -> str:
        parts = urlsplit(self._url(""))
        path = parts.path.rstrip("/")
        if path.endswith("/v1"):
            path = path[:-3]
        return urlunsplit((parts.scheme, parts.netloc, path + route, parts.query, ""))

    async def _tok_call(self, which: int, body: dict, protocol: str) -> Any:
        route = TOKENIZERS[protocol][which]

        async def attempt():
            payload, text, status = await self._post(route, body, url=self._root_url(route))
            return payload, text, status
        return await self._retried(attempt)

    async def detect_tokenizer(self) -> str | None:
        """``llama_cpp`` or ``vllm`` when the server answers a tokenize request, else None
        (probed once: the llama_cpp dialect's route first)."""
        if self._tokenizer is not None:
            return self._tokenizer or None
        order = ["llama_cpp", "vllm"] if self.dialect == "llama_cpp" else ["vllm", "llama_cpp"]
        for protocol in order:
            try:
                ids = await self._tokenize_with(protocol, "Hello")
            except GenerationError as err:
                if err.status in _ABSENT or err.kind in ("bad_response",):
                    continue
                raise
            if ids:
                self._tokenizer = protocol
                return protocol
        self._tokenizer = ""
        return None

    async def _tokenize_with(self, protocol: str, text: str) -> list[int]:
        body = ({"input": text} if protocol == "llama_cpp"
                else {"model": self.model, "prompt": text})
        payload, raw, status = await self._tok_call(0, body, protocol)
        ids = payload.get("tokens") if isinstance(payload, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise self._bad("tokenize answered without a list of token ids", raw, status,
                            retryable=False)
        return ids

    async def _detokenize(self, ids: list[int]) -> str | None:
        """The text of ``ids``; None when the server cannot decode them (partial UTF-8)."""
        protocol = self._tokenizer
        body = ({"tokens": ids} if protocol == "llama_cpp"
                else {"model": self.model, "tokens": ids})
        try:
            payload, _raw, _status = await self._tok_call(1, body, protocol)
        except GenerationError as err:
            if err.kind in ("server", "bad_request"):
                return None
            raise
        text = payload.get("text" if protocol == "llama_cpp" else "prompt") \
            if isinstance(payload, dict) else None
        return text if isinstance(text, str) and "\ufffd" not in text else None

    # -- one next-token distribution --------------------------------------------------------
    async def _next_token(self, prompt: Any, n_prompt: int, force: int | None, k: int
                          ) -> tuple[str | None, float | None, dict[str, float] | None]:
        """(generated token text, its logprob, top-k) after ``prompt``; all None when the
        server generated nothing (its argmax ends generation)."""
        body: dict[str, Any] = {"model": self.model, "prompt": prompt, "max_tokens": 1,
                                "temperature": 0.0, "logprobs": k, "stream": False}
        if force is not None:
            body["logit_bias"] = {str(force): FORCE_BIAS}
        body.update(self.extra_body)

        def read(choice: dict[str, Any]
                 ) -> tuple[str | None, float | None, dict[str, float] | None]:
            lp = choice.get("logprobs")
            tokens = (lp or {}).get("tokens") or []
            if not tokens:
                if choice.get("finish_reason") == "stop" and force is None:
                    return None, None, None
                raise ValueError("no logprobs in the answer")
            value = lp["token_logprobs"][0]
            top = (lp.get("top_logprobs") or [None])[0]
            top = {str(t): float(v) for t, v in top.items()
                   if v is not None} if isinstance(top, dict) else None
            return str(tokens[0]), (None if value is None else float(value)), top

        return await one_token_completion(self, body, n_prompt, read,
                                          "cannot read the next-token logprobs")

    # -- which path -------------------------------------------------------------------------
    async def resolve_loglikelihood_mode(self) -> str:
        """``echo`` or ``forced`` for ``-M loglikelihood=auto`` (decided once): forced where the
        server has llama.cpp's tokenizer routes (measured faster than echo there, see
        docs/performance.md); on a vLLM-style server echo (one forward pass per choice), and
        forced only when echo is refused; echo where no tokenizer is exposed."""
        if self.loglikelihood_mode != "auto":
            return self.loglikelihood_mode
        if getattr(self, "_mode_resolved", None) is None:
            protocol = await self.detect_tokenizer()
            if protocol == "llama_cpp":
                self._mode_resolved = "forced"
            elif protocol == "vllm":
                try:
                    await self.resolve_echo_alignment()
                    self._mode_resolved = "echo"
                except BackendUnavailable:
                    self._mode_resolved = "forced"
            else:
                self._mode_resolved = "echo"
        return self._mode_resolved

    # -- scoring ----------------------------------------------------------------------------
    async def forced_loglikelihood(self, reqs: list[LoglikelihoodRequest]
                                   ) -> list[LoglikelihoodResult | None]:
        """Scores; ``None`` for a request this path cannot score exactly (the caller uses the
        echo path for it)."""
        if await self.detect_tokenizer() is None:
            raise BackendUnavailable(
                f"{self.name}: {self.display_url} exposes no tokenizer (/extras/tokenize or "
                "/tokenize); -M loglikelihood=forced needs one", field="model")
        ids_prompt = self._tokenizer == "vllm"
        texts = {t for r in reqs for t in _texts(r)}
        tokenized = dict(zip(texts, await asyncio.gather(
            *(self._tokenize_with(self._tokenizer, t) for t in texts))))
        plans = plan_requests(reqs, tokenized)
        # prefixes: key -> (prompt, n_prompt, wanted ids); text of each wanted token
        prefixes: dict[tuple, list] = {}
        token_text: dict[tuple, str | None] = {}
        for i, plan in enumerate(plans):
            if not plan.ok:
                continue
            texts_at = await self._prefix_texts(plan) if len(plan.seq) - plan.start > 1 else \
                ["", plan.continuation]
            if texts_at is None:
                plan.ok = False
                continue
            for p in range(plan.start, len(plan.seq)):
                key = tuple(plan.seq[:p])
                j = p - plan.start
                prompt = key if ids_prompt else plan.context + texts_at[j]
                if not ids_prompt and j > 0:
                    back = await self._tokenize_with(self._tokenizer, prompt)
                    if back != list(key):
                        plan.ok = False
                        break
                entry = prefixes.setdefault(key, [list(prompt) if ids_prompt else prompt,
                                                  len(key), {}])
                entry[2].setdefault(plan.seq[p], None)
                token_text[(key, plan.seq[p])] = (
                    texts_at[j + 1][len(texts_at[j]):] if texts_at[j + 1] is not None
                    and texts_at[j] is not None else None)
        values: dict[tuple, tuple[float, bool]] = {}
        self._kv_state = None   # what the server has cached is unknown at first
        for key, (prompt, n, wanted) in sorted(prefixes.items()):   # depth-first
            values.update(await self._score_prefix(key, prompt, n, list(wanted), token_text))
        out: list[LoglikelihoodResult | None] = []
        for plan in plans:
            if not plan.ok:
                out.append(None)
                continue
            total, greedy = 0.0, True
            for p in range(plan.start, len(plan.seq)):
                value, best = values[(tuple(plan.seq[:p]), plan.seq[p])]
                total += value if math.isfinite(value) else float("-inf")
                greedy = greedy and best
            out.append(LoglikelihoodResult(total, greedy, len(plan.seq) - plan.start))
        return out

    async def _prefix_texts(self, plan: Plan) -> list[str | None] | None:
        """Continuation text covered by ``seq[start:p]`` for each p (last: the whole
        continuation); None when a partial text is not a prefix of the continuation."""
        n = len(plan.seq) - plan.start
        parts = await asyncio.gather(*(self._detokenize(plan.seq[plan.start:plan.start + j])
                                       for j in range(1, n)))
        texts: list[str | None] = [""]
        for t in parts:
            if t is None or not plan.continuation.startswith(t):
                return None
            texts.append(t)
        texts.append(plan.continuation)
        return texts

    async def _score_prefix(self, key: tuple, prompt: Any, n: int, wanted: list[int],
                            token_text: dict) -> dict[tuple, tuple[float, bool]]:
        if self._tokenizer != "llama_cpp":
            return await self._score_prefix_now(key, prompt, n, wanted, token_text)
        # llama.cpp computes a one-token batch by another kernel (up to ~0.2 nat off on
        # quantised weights, measured through llama_cpp.server), and the server evaluates only
        # what its KV cache lacks past the longest common prefix (a prompt that is all cached
        # replays its last token alone). So before each prompt the cache is cut to at most
        # len - 2 tokens (all computed in batches of two or more) by a throwaway prompt, and
        # the prompt's own evaluation is two tokens or more: scores equal a one-shot evaluation.
        async with self._forced_guard():
            state = self._kv_state
            if state is None:   # unknown: reset, then ``key`` is evaluated whole
                await self._reset(key)
            elif state != key:  # (the very prompt cached: its logits are reused as they are)
                lcp = _common(state, key)
                if lcp == len(key) or len(key) - lcp < 2:
                    self._kv_state = await self._cut_cache(key, state)
            got = await self._score_prefix_now(key, prompt, n, wanted, token_text)
            self._kv_state = key
            return got

    async def _cut_cache(self, key: tuple, state: tuple) -> tuple | None:
        """Send a throwaway prompt ``key[:m] + [other tokens]`` (m = len(key) - 2) so that the
        server keeps ``key[:m]`` and evaluates ``key`` from there; the tokens it then holds.
        Without such a text (or for very short keys) a prompt sharing no token with ``key``
        resets the cache: ``key`` is then evaluated whole, in one batch."""
        m = len(key) - 2
        if m >= 1:
            head = await self._detokenize(list(key[:m]))
            for tail in ("\n\n", " #", "|"):
                if head is None:
                    break
                ids = await self._tokenize_with("llama_cpp", head + tail)
                if len(ids) > m and tuple(ids[:m]) == key[:m] and ids[m] != key[m] \
                        and _common(state, tuple(ids)) < len(ids):
                    await self._throwaway(head + tail)
                    return tuple(ids)
        await self._reset(key)
        return None

    async def _reset(self, key: tuple) -> None:
        """A throwaway prompt that shares no token with ``key`` (past a BOS token)."""
        nl = self.__dict__.get("_nl_ids")
        if nl is None:
            nl = self._nl_ids = tuple(await self._tokenize_with("llama_cpp", "\n"))
        await self._throwaway("#" if key[:len(nl)] == nl else "\n")

    async def _throwaway(self, text: str) -> None:
        body = {"model": self.model, "prompt": text, "max_tokens": 1, "temperature": 0.0,
                "stream": False}
        await self._retried(lambda: self._post("/completions", body))

    async def _score_prefix_now(self, key: tuple, prompt: Any, n: int, wanted: list[int],
                                token_text: dict) -> dict[tuple, tuple[float, bool]]:
        k = max(1, min(self.echo_top_logprobs or 20, 20))
        _gen, _v, top = await self._next_token(prompt, n, None, k)
        out: dict[tuple, tuple[float, bool]] = {}
        best = max(top.values()) if top else None
        usable = top is not None and len(top) >= k
        for tok in wanted:
            text = token_text.get((key, tok))
            if usable and text and text in top and await self._text_is(tok, text):
                value = top[text]
                out[(key, tok)] = (value, value >= best - _TIE)
                continue
            gen, value, ftop = await self._next_token(prompt, n, tok, k)
            if value is None:
                raise GenerationError("bad_response", f"{self.name}: no logprob for the "
                                      f"forced token {tok}")
            expected = await self._token_text(tok)
            if expected is not None and gen != expected:
                raise self._bad(f"logit_bias did not force token {tok} ({expected!r}); the "
                                f"server generated {gen!r}", "", 200, retryable=False)
            self._check_unbiased(top, ftop, gen)
            self.stats["forced_tokens"] = self.stats.get("forced_tokens", 0) + 1
            out[(key, tok)] = (value, best is not None and value >= best - _TIE)
        return out

    async def _token_text(self, tok: int) -> str | None:
        """``tok`` alone, detokenized (cached per token)."""
        cache = self.__dict__.setdefault("_detok_cache", {})
        if tok not in cache:
            cache[tok] = await self._detokenize([tok])
        return cache[tok]

    async def _text_is(self, tok: int, text: str) -> bool:
        """Whether ``tok`` alone detokenizes to exactly ``text``."""
        return await self._token_text(tok) == text

    def _check_unbiased(self, top: dict | None, ftop: dict | None, forced: str) -> None:
        """The forced answer's top-k must equal the unforced one's (the same distribution):
        else the server reports biased log-probabilities and forcing cannot be used."""
        if self._bias_checked or not top or not ftop:
            return
        shared = [t for t in top if t in ftop and t != forced]
        if not shared or any(abs(top[t] - ftop[t]) > _AGREE for t in shared):
            raise BackendUnavailable(
                f"{self.name}: {self.display_url} reports log-probabilities after logit_bias "
                "(a forced token's top-k differs from the unforced one), so tokens cannot be "
                "scored by forcing; use -M loglikelihood=echo", field="model")
        self._bias_checked = True


def _common(a: tuple, b: tuple) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _texts(r: LoglikelihoodRequest) -> tuple[str, ...]:
    context, continuation = split_whitespace(r.context, r.continuation)
    return (context, context + continuation) if context else (continuation,)


#: ``-M loglikelihood=`` values
MODES = ("auto", "echo", "forced")


def loglikelihood_mode(value: Any, dialect: str) -> str | None:
    """The scoring mode for ``-M loglikelihood=VALUE``: ``auto``/``echo``/``forced``, or None
    (off). Unset: ``auto`` for the llama_cpp dialect, off otherwise; ``true`` keeps its
    earlier meaning, ``echo``."""
    from ..errors import ConfigError

    if value is None or value == "":
        return "auto" if dialect == "llama_cpp" else None
    if isinstance(value, bool):
        return "echo" if value else None
    text = str(value).strip().lower()
    if text in MODES:
        return text
    if text in ("1", "true", "yes", "on"):
        return "echo"
    if text in ("0", "false", "no", "off"):
        return None
    raise ConfigError(f"openai argument loglikelihood must be auto, echo, forced, true or "
                      f"false, got {value!r}", field="loglikelihood")
