"""``openai/<model>``: any OpenAI-compatible ``/v1/chat/completions`` endpoint.

Talks HTTP through ``httpx.AsyncClient`` (no SDK). ``-M`` arguments:

* ``base_url``     endpoint root, default ``https://api.openai.com/v1``
                   (e.g. ``http://127.0.0.1:8000/v1`` for ``python -m llama_cpp.server``);
* ``api_key_env``  name of the environment variable holding the key (default
                   ``OPENAI_API_KEY``). The key's value never appears in errors, reprs,
                   logs or ``identity()``; a key given directly (``api_key=``) is refused;
* ``timeout``      seconds per request (default 120);
* ``concurrency``  parallel requests (default 8);
* ``max_retries``  retries after the first attempt (default 4, i.e. 5 attempts);
* ``retry_base_delay``, ``retry_max_delay``, ``retry_seed``  backoff tuning;
* ``extra_body``   JSON object merged into every request body (last, so it wins);
* ``allow_insecure_http``  ``true`` to send the API key over plain ``http://`` to a host
                   that is not loopback; without it such a request is refused (``ConfigError``),
                   since anyone on the path could read the key. Loopback (``127.0.0.0/8``,
                   ``::1``, ``localhost``) and endpoints used without a key need no opt-in;
* ``dialect``      ``openai`` (default: standard fields only, plus ``top_k`` when set) or
                   ``llama_cpp``: also send llama.cpp's sampler knobs at neutral values
                   (``repeat_penalty: 1.0``, ``min_p: 0``, ``top_k: 0`` when disabled), because
                   ``llama_cpp.server`` otherwise applies its own defaults (repeat_penalty 1.1,
                   top_k 40, min_p 0.05) and answers differ from ``local/`` on the same GGUF.

Failures become :class:`~assay.errors.GenerationError` with kind ``rate_limit``,
``server``, ``timeout``, ``connection``, ``bad_request``, ``bad_response`` or
``empty_response`` (``message.content`` null with no tool call: a deterministic answer,
not retried); the
server's body is kept (truncated to 2000 characters) in ``raw``. Retryable kinds are
retried here with exponential backoff (see :mod:`assay.backends.retry`); the error that
finally escapes has already been retried, so it carries ``retryable=False`` (and
``transient``: whether its kind was retryable) plus ``attempts``.

When ``top_logprobs`` > 0 the request carries ``logprobs: true, top_logprobs: k``; an
endpoint that answers without logprobs is a ``bad_response`` error, never silence.

Log-likelihood scoring (multiple-choice benchmarks), ``-M loglikelihood=``:

* ``forced``  no echo needed: the server's tokenizer (``llama_cpp.server``'s
  ``/extras/tokenize``, vLLM's ``/tokenize``) splits context and continuation as
  lm-evaluation-harness does, and each continuation token's log-probability is read from a
  one-token ``/completions`` answer's top-k after its prefix (all single-token choices of an
  item from ONE request), or forced with ``logit_bias`` when it is not there; exact, see
  :mod:`assay.backends.forced_logprobs`;
* ``echo``  (``true`` means this) legacy ``/completions`` with ``echo: true, logprobs: k,
  max_tokens: 1``: one request per continuation, summing the echoed log-probabilities of the
  tokens whose ``text_offset`` lies in the continuation (:mod:`assay.backends.echo_logprobs`);
* ``auto``  (the default for the ``llama_cpp`` dialect) ``forced`` where the server has
  llama.cpp's tokenizer routes (measured 5-25x faster than ``echo`` there on ARC,
  docs/performance.md), ``echo`` on a vLLM-style server unless it refuses echo, else ``echo``;
* ``false``  off (the default for the ``openai`` dialect: real OpenAI chat models do neither).

``echo_alignment`` ``auto`` (default), ``aligned`` or ``shifted``: how the server pairs echoed
tokens with distributions; ``auto`` probes once (``backend.echo_alignment``). llama-cpp-python
0.3.x is ``shifted`` for models without a BOS token (SmolLM2), vLLM and OpenAI ``aligned``.
``echo_top_logprobs``: top alternatives asked per token (echo: default 1 aligned, 20 shifted;
forced: default and at most 20). A token a shifted echo lacks is forced as above.

An endpoint that refuses the request (HTTP 400/404/405/422/501) or answers without echoed
logprobs raises :class:`~assay.errors.BackendUnavailable`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import BackendUnavailable, ConfigError, GenerationError, MissingDependency
from .base import ModelSpec
from .echo_logprobs import ALIGNMENTS, EchoLoglikelihood
from .forced_logprobs import ForcedLoglikelihood, loglikelihood_mode
from .bounded_retry import BoundedRetry
from .retry import classify_status, parse_retry_after
from .openai_wire import error_detail, int_or_none, parse_logprobs, wire_messages
from .http_pool import ShardedClient
from .endpoint import Secret as _Secret, is_loopback, strip_userinfo as _strip_userinfo
from .model_args import number_arg, object_arg
from .redact import redact_config
from .structured import choice_gbnf, json_gbnf, openai_response_format
from .types import Completion, InferenceRequest

__all__ = ["OpenAIBackend", "DEFAULT_BASE_URL"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DIALECTS = ("openai", "llama_cpp")
RAW_LIMIT = 2000
_REDACTED = "<redacted>"


class OpenAIBackend(ForcedLoglikelihood, EchoLoglikelihood):
    """A model behind an OpenAI-compatible chat-completions endpoint."""

    cacheable = True
    supports_images = True   # user messages carry image_url content parts (openai_wire)

    def __init__(self, model: str, *, base_url: str = DEFAULT_BASE_URL,
                 api_key_env: str = "OPENAI_API_KEY", timeout: float = 120.0,
                 concurrency: int = 8, max_retries: int = 4,
                 retry_base_delay: float = 0.5, retry_max_delay: float = 30.0,
                 retry_seed: int | None = None, extra_body: dict | None = None,
                 preflight_timeout: float = 5.0, dialect: str = "openai",
                 loglikelihood: bool | str | None = None, echo_alignment: str = "auto",
                 echo_top_logprobs: int | None = None,
                 allow_insecure_http: bool = False) -> None:
        if not model:
            raise ConfigError("openai backend needs a model name: openai/<model>", field="model")
        self.model = model
        self.name = f"openai/{model}"
        self.base_url = base_url.rstrip("/")
        self.display_url = _strip_userinfo(self.base_url)
        # Proxy settings from the environment apply to remote endpoints, never to loopback.
        parts = urlsplit(self.base_url)
        loopback = is_loopback(parts.hostname)
        self._trust_env = not loopback
        self.api_key_env = api_key_env
        self._key = _Secret(os.environ.get(api_key_env) if api_key_env else None)
        if self._key and parts.scheme == "http" and not loopback and not allow_insecure_http:
            raise ConfigError(
                f"{self.name}: refusing to send the API key from ${api_key_env} over plain "
                f"http:// to {self.display_url}; use https://, or pass "
                f"-M allow_insecure_http=true to accept the risk", field="base_url")
        self.timeout = float(timeout)
        self.preflight_timeout = float(preflight_timeout)
        self.max_concurrency = int(concurrency)
        self.extra_body = dict(extra_body or {})
        if dialect not in DIALECTS:
            raise ConfigError(f"unknown openai dialect {dialect!r} (known: {', '.join(DIALECTS)})",
                              field="dialect")
        self.dialect = dialect
        self.loglikelihood_mode = loglikelihood_mode(loglikelihood, dialect)
        self.supports_loglikelihood = self.loglikelihood_mode is not None
        if echo_alignment not in ALIGNMENTS:
            raise ConfigError(f"echo_alignment must be one of {', '.join(ALIGNMENTS)}, got "
                              f"{echo_alignment!r}", field="echo_alignment")
        self.echo_alignment_setting = echo_alignment
        self._alignment: str | None = None if echo_alignment == "auto" else echo_alignment
        self._alignment_lock: asyncio.Lock | None = None
        self._alignment_loop: asyncio.AbstractEventLoop | None = None
        self.echo_top_logprobs = echo_top_logprobs
        self._retry = BoundedRetry(max_retries=max_retries, base_delay=retry_base_delay,
                                   max_delay=retry_max_delay, seed=retry_seed,
                                   concurrency=self.max_concurrency)
        self.policy = self._retry.policy
        self.stats = self._retry.stats
        self._client: ShardedClient | None = None
        if self.base_url.rstrip("/") == DEFAULT_BASE_URL and not self._key:
            raise BackendUnavailable(
                f"{self.name}: environment variable {api_key_env} is not set "
                f"(the API key for {self.display_url}); set it or pass -M api_key_env=NAME",
                field="model")

    # -- identity and repr never carry the key --------------------------------------------
    def identity(self) -> dict[str, Any]:
        # display_url has neither userinfo nor query; extra_body loses secret-named values
        ident = {"provider": "openai", "model": self.model, "base_url": self.display_url,
                 "dialect": self.dialect, "extra_body": redact_config(self.extra_body)}
        if self.supports_loglikelihood and self.echo_alignment_setting != "auto":
            ident["echo_alignment"] = self.echo_alignment_setting
        return ident

    @property
    def echo_alignment(self) -> str | None:
        """The echo alignment in use (``aligned``/``shifted``); ``None`` until ``auto`` has
        probed the server (the first ``loglikelihood`` call does)."""
        return self._alignment

    def __repr__(self) -> str:
        return (f"OpenAIBackend(model={self.model!r}, base_url={self.display_url!r}, "
                f"api_key_env={self.api_key_env!r})")

    def _redact(self, text: str) -> str:
        key = self._key.get()
        if key and text:
            text = text.replace(key, _REDACTED)
        return text

    def _url(self, route: str) -> str:
        """``base_url`` + ``route``, keeping the base URL's query (``?api-version=...``) after
        the path. With an API key, user-info is dropped from the URL: the key is the
        credential (httpx would otherwise send Basic auth in place of the Bearer key)."""
        parts = urlsplit(self.base_url)
        netloc = parts.netloc
        if self._key.get() and "@" in netloc:
            netloc = netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + route, parts.query, ""))

    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        key = self._key.get()
        if key:
            h["Authorization"] = f"Bearer {key}"
        return h

    # -- client / semaphore, bound to the running loop ------------------------------------
    def _httpx(self):
        try:
            import httpx
        except ImportError:  # pragma: no cover - httpx is a core dependency
            raise MissingDependency("httpx", "all", "the openai backend") from None
        return httpx

    def _get_client(self):
        """The running loop's :class:`~assay.backends.http_pool.ShardedClient` (a new loop, say
        a second ``asyncio.run``, gets a fresh one; the old one's sockets die with its loop)."""
        pool = self._client
        if pool is not None and pool.loop is asyncio.get_running_loop() and not pool.is_closed:
            return pool
        httpx = self._httpx()
        timeout = httpx.Timeout(self.timeout, connect=min(10.0, self.timeout))
        tls: list = []   # one TLS context for all shards (loading CA certificates: ~40 ms)

        def make(n: int):
            if not tls:
                tls.append(httpx.create_ssl_context(trust_env=self._trust_env))
            return httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                     trust_env=self._trust_env, verify=tls[0],
                                     limits=httpx.Limits(max_connections=n,
                                                         max_keepalive_connections=n))

        self._client = ShardedClient.for_loop(self._client, make, self.max_concurrency)
        return self._client

    # -- request body ----------------------------------------------------------------------
    def build_body(self, request: InferenceRequest) -> dict[str, Any]:
        s = request.settings
        body: dict[str, Any] = {
            "model": self.model,
            "messages": wire_messages(request.messages),   # images: image_url parts
            "max_tokens": s.max_new_tokens,
            "temperature": s.temperature,
            "top_p": s.top_p,
            "seed": s.seed,
            "stream": False,
        }
        if s.top_k != -1:
            body["top_k"] = s.top_k
        if self.dialect == "llama_cpp":
            body.update(repeat_penalty=1.0, min_p=0.0, presence_penalty=0.0,
                        frequency_penalty=0.0)
            body["top_k"] = 0 if s.top_k < 0 else s.top_k
        if s.stop:
            body["stop"] = list(s.stop)
        if s.top_logprobs > 0:
            body["logprobs"] = True
            body["top_logprobs"] = s.top_logprobs
        if s.response_format is not None:   # structured output; the reply is checked anyway
            kind = s.response_format.get("type")
            if self.dialect == "llama_cpp" and kind in ("json_schema", "choice"):
                # llama.cpp servers take a GBNF grammar: the one the local backend uses (the
                # llama-cpp-python server rejects response_format type json_schema, and its own
                # schema converter lets raw control characters into strings)
                body["grammar"] = (json_gbnf(s.response_format["schema"]) if kind == "json_schema"
                                   else choice_gbnf(s.response_format["choices"]))
            else:
                fmt = openai_response_format(s.response_format)
                if fmt is not None:
                    body["response_format"] = fmt
        body.update(self.extra_body)
        return body

    # -- one attempt ---------------------------------------------------------------------
    def _raw(self, text: str) -> str:
        return self._redact(text)[:RAW_LIMIT]

    async def _attempt(self, body: dict[str, Any], k: int) -> Completion:
        payload, text, status = await self._post("/chat/completions", body)
        return self._parse(payload, k, text, status)

    async def _post(self, route: str, body: dict[str, Any], url: str | None = None
                    ) -> tuple[Any, str, int]:
        """One POST to ``route`` (or a full ``url``); (decoded JSON, body text, status) or a
        classified GenerationError."""
        httpx = self._httpx()
        async with self._get_client().lease() as client:
            return await self._post_on(client, httpx, url or self._url(route), body)

    async def _post_on(self, client, httpx, url: str, body: dict[str, Any]
                       ) -> tuple[Any, str, int]:
        try:
            req = client.build_request("POST", url, json=body, headers=self._headers())
            resp = await client.send(req, stream=True)
        except httpx.TimeoutException as exc:
            raise GenerationError("timeout", f"{self.name}: request to {self.display_url} timed "
                                  f"out after {self.timeout:g}s ({type(exc).__name__})",
                                  retryable=True) from None
        except (httpx.TransportError, OSError) as exc:
            raise GenerationError("connection", f"{self.name}: cannot reach {self.display_url} "
                                  f"({type(exc).__name__}: {self._redact(str(exc))})",
                                  retryable=True) from None
        try:
            try:
                data = await resp.aread()
            except httpx.TimeoutException:
                raise GenerationError("timeout", f"{self.name}: response body from "
                                      f"{self.display_url} timed out after {self.timeout:g}s",
                                      retryable=True, status=resp.status_code) from None
            except (httpx.TransportError, OSError) as exc:
                raise GenerationError("bad_response", f"{self.name}: truncated response body "
                                      f"from {self.display_url} (HTTP {resp.status_code}, "
                                      f"{type(exc).__name__})", retryable=True,
                                      status=resp.status_code) from None
        finally:
            await resp.aclose()
        text = data.decode("utf-8", errors="replace")
        status = resp.status_code
        if status >= 400:
            kind, retryable = classify_status(status)
            retry_after = (parse_retry_after(resp.headers.get("retry-after"))
                           if status in (429, 503) else None)
            detail = error_detail(text)
            msg = f"{self.name}: HTTP {status} from {self.display_url}"
            if status in (401, 403):
                msg += f" (authentication failed; check ${self.api_key_env})"
            if detail:
                msg += f": {self._redact(detail)[:300]}"
            raise GenerationError(kind, msg, raw=self._raw(text), retryable=retryable,
                                  retry_after=retry_after, status=status)
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GenerationError("bad_response", f"{self.name}: response is not valid JSON "
                                  f"(truncated or corrupt body: {exc.msg} at char {exc.pos})",
                                  raw=self._raw(text), retryable=True, status=status) from None
        return payload, text, status

    def _bad(self, message: str, text: str, status: int, retryable: bool = True):
        return GenerationError("bad_response", f"{self.name}: {message}", raw=self._raw(text),
                               retryable=retryable, status=status)

    def _parse(self, payload: Any, k: int, text: str, status: int) -> Completion:
        if not isinstance(payload, dict):
            raise self._bad("response is not a JSON object", text, status)
        if "error" in payload and not payload.get("choices"):
            raise self._bad(f"endpoint returned an error: {error_detail(text)}", text, status)
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise self._bad("response has no choices", text, status)
        choice = choices[0]
        message = choice.get("message")
        if not isinstance(message, dict):
            raise self._bad("response choice has no message", text, status)
        content = message.get("content")
        if content is None:
            if not (message.get("tool_calls") or message.get("function_call")):
                # The server answered, deterministically, with no text at all: an error on
                # the example (raw body kept), not an empty answer scored as wrong.
                raise GenerationError(
                    "empty_response", f"{self.name}: the endpoint returned message.content "
                    f"null (finish_reason {choice.get('finish_reason')!r}) and no tool call",
                    raw=self._raw(text), retryable=False, status=status)
            content = ""
        if not isinstance(content, str):
            raise self._bad("message content is not a string", text, status)
        logprobs = None
        if k > 0:
            logprobs = parse_logprobs(choice.get("logprobs"), k)
            if logprobs is None:
                raise self._bad(
                    f"top_logprobs={k} was requested but the endpoint at {self.display_url} "
                    "returned no logprobs (it does not support or ignores 'logprobs'); "
                    "set top_logprobs: 0 for this model", text, status, retryable=False)
            if not logprobs and content:
                raise self._bad(f"top_logprobs={k} was requested but the endpoint returned an "
                                "empty logprobs list for a non-empty answer", text, status,
                                retryable=False)
        usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
        return Completion(text=content, logprobs=logprobs,
                          input_tokens=int_or_none(usage.get("prompt_tokens")),
                          output_tokens=int_or_none(usage.get("completion_tokens")),
                          finish_reason=choice.get("finish_reason"))

    # -- Backend protocol -----------------------------------------------------------------
    async def generate(self, request: InferenceRequest) -> Completion:
        body = self.build_body(request)
        k = request.settings.top_logprobs
        if not 0 <= k <= 20:
            raise GenerationError("bad_request", f"top_logprobs must be 0..20, got {k}")
        return await self._retried(lambda: self._attempt(body, k))

    async def _retried(self, attempt):
        """``attempt()`` under the concurrency bound and the retry policy, counted in stats."""
        return await self._retry.run(attempt)

    async def preflight(self) -> None:
        """Fail fast (``BackendUnavailable``) when the endpoint cannot be reached."""
        httpx = self._httpx()
        url = self._url("/models")
        try:
            async with httpx.AsyncClient(timeout=self.preflight_timeout,
                                         trust_env=self._trust_env) as c:
                resp = await c.get(url, headers=self._headers())
        except httpx.TimeoutException:
            raise BackendUnavailable(f"cannot reach {self.display_url}/models: no answer within "
                                     f"{self.preflight_timeout:g}s ({self.name})",
                                     field="model") from None
        except (httpx.TransportError, OSError) as exc:
            raise BackendUnavailable(f"cannot reach {self.display_url}/models ({self.name}): "
                                     f"{type(exc).__name__}: {self._redact(str(exc))}",
                                     field="model") from None
        if resp.status_code in (401, 403):
            raise BackendUnavailable(f"{self.display_url} rejected the API key (HTTP "
                                     f"{resp.status_code}); check ${self.api_key_env}",
                                     field="model")
        # Any other answer means the server is there; some endpoints have no /models.

    check = preflight

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


# -- factory ------------------------------------------------------------------------------
_KNOWN = {"base_url", "api_key_env", "timeout", "concurrency", "max_retries", "extra_body",
          "retry_base_delay", "retry_max_delay", "retry_seed", "preflight_timeout", "dialect",
          "loglikelihood", "echo_alignment", "echo_top_logprobs", "allow_insecure_http"}


def _opt_bool(args: dict, key: str) -> bool | None:
    v = args.get(key)
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"openai argument {key} must be true or false, got {v!r}", field=key)


_num = functools.partial(number_arg, "openai")


def create(spec: ModelSpec) -> OpenAIBackend:
    a = dict(spec.args)
    if "api_key" in a:
        raise ConfigError("do not pass the API key itself; put it in an environment variable "
                          "and pass -M api_key_env=NAME", field="api_key")
    unknown = set(a) - _KNOWN
    if unknown:
        raise ConfigError(f"unknown openai argument(s): {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(_KNOWN))})", field="model_args")
    extra = object_arg(a, "extra_body")
    base_url = str(a.get("base_url") or DEFAULT_BASE_URL)
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"base_url must start with http:// or https://, got {base_url!r}",
                          field="base_url")
    seed = a.get("retry_seed")
    return OpenAIBackend(
        spec.model, base_url=base_url,
        api_key_env=str(a.get("api_key_env", "OPENAI_API_KEY")),
        timeout=_num(a, "timeout", float, 120.0, minimum=0.001),
        concurrency=_num(a, "concurrency", int, 8, minimum=1),
        max_retries=_num(a, "max_retries", int, 4, minimum=0),
        retry_base_delay=_num(a, "retry_base_delay", float, 0.5, minimum=0),
        retry_max_delay=_num(a, "retry_max_delay", float, 30.0, minimum=0),
        retry_seed=None if seed in (None, "") else _num(a, "retry_seed", int, None),
        extra_body=extra,
        preflight_timeout=_num(a, "preflight_timeout", float, 5.0, minimum=0.001),
        dialect=str(a.get("dialect") or "openai"),
        loglikelihood=a.get("loglikelihood"),
        echo_alignment=str(a.get("echo_alignment") or "auto"),
        echo_top_logprobs=_num(a, "echo_top_logprobs", int, None, minimum=1),
        allow_insecure_http=bool(_opt_bool(a, "allow_insecure_http")),
    )
