"""``bedrock/<model id>``: a model on Amazon Bedrock through the Converse API (boto3).

One ``converse`` call per request (not ConverseStream), run in a thread pool sized by
``concurrency``. ``-M`` arguments:

* ``region``, ``profile``  override the usual AWS settings (``AWS_REGION``, then
  ``AWS_DEFAULT_REGION`` or the profile's region; ``AWS_PROFILE``, ``~/.aws/config`` and
  ``~/.aws/credentials``);
  credentials are found by boto3's usual chain and are never taken as ``-M`` arguments;
* ``endpoint_url``  another Converse endpoint (a VPC endpoint, or a local fake in tests);
* ``timeout``       read timeout per request in seconds (default 120);
* ``concurrency``   parallel requests (default 4);
* ``max_retries``   retries after the first attempt (default 4); ``retry_base_delay``,
  ``retry_max_delay``, ``retry_seed`` tune the backoff (:mod:`assay.backends.retry`). boto3's
  own retries are off, so this policy alone bounds the attempts;
* ``top_k_field``   where ``inference.top_k`` goes in ``additionalModelRequestFields`` (Converse
  has no top-k): ``top_k`` for Anthropic and Mistral models, ``inferenceConfig.topK`` for Nova.
  Without it, a request with ``top_k`` set is refused (``ConfigError``), never sent without it;
* ``additional_fields``  a JSON object sent as ``additionalModelRequestFields``.

Messages: ``system`` turns become ``system=[{"text"}]``; the others
``{"role", "content": [{"text"}, {"image": {"format", "source": {"bytes"}}}...]}`` with the
message's images (data URIs) decoded after the text (``supports_images`` is true).
``inferenceConfig``: ``maxTokens``, ``temperature``, ``topP`` (when below 1), ``stopSequences``.

Converse returns no log-probabilities: a request with ``top_logprobs`` > 0 raises a one-line
``ConfigError`` before anything is sent (the run stops, exit 2), and there is no log-likelihood
scoring (``supports_loglikelihood`` is false).

Throttling, unavailable and internal errors (and 429/5xx) are retried with bounded backoff;
validation, access and model errors become a :class:`~assay.errors.GenerationError` on the
example with Bedrock's message kept. The access key, secret key and session token are removed
from every message; ``identity()`` and ``repr`` carry none of them.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from ..errors import BackendUnavailable, ConfigError, GenerationError
from .base import ModelSpec
from .bedrock_wire import classify_error, converse_messages, inference_config, parse_converse, \
    set_path
from .bounded_retry import BoundedRetry
from .endpoint import is_loopback, strip_userinfo
from .model_args import number_arg, object_arg
from .redact import redact_config
from .retry import parse_retry_after
from .types import Completion, InferenceRequest

__all__ = ["BedrockBackend", "create"]

RAW_LIMIT = 2000
_REDACTED = "<redacted>"
INSTALL_HINT = "pip install 'assay[aws]'"


def _boto3(name: str):
    try:
        import boto3
        import botocore  # noqa: F401
    except ImportError:
        raise BackendUnavailable(f"{name} needs the 'boto3' package: {INSTALL_HINT}",
                                 field="model") from None
    return boto3


class BedrockBackend:
    """A Bedrock model behind the Converse API."""

    cacheable = True
    supports_images = True
    supports_loglikelihood = False

    def __init__(self, model: str, *, region: str | None = None, profile: str | None = None,
                 endpoint_url: str | None = None, timeout: float = 120.0, concurrency: int = 4,
                 max_retries: int = 4, retry_base_delay: float = 1.0,
                 retry_max_delay: float = 30.0, retry_seed: int | None = None,
                 top_k_field: str | None = None,
                 additional_fields: dict[str, Any] | None = None) -> None:
        if not model:
            raise ConfigError("bedrock backend needs a model id: bedrock/<model id>, e.g. "
                              "bedrock/amazon.nova-lite-v1:0", field="model")
        self.model = model
        self.name = f"bedrock/{model}"
        self.region = region or None
        self.profile = profile or None
        self.endpoint_url = endpoint_url or None
        self.display_url = strip_userinfo(endpoint_url) if endpoint_url else None
        self.timeout = float(timeout)
        self.max_concurrency = int(concurrency)
        self.top_k_field = top_k_field or None
        self.additional_fields = dict(additional_fields or {})
        self._retry = BoundedRetry(max_retries=max_retries, base_delay=retry_base_delay,
                                   max_delay=retry_max_delay, seed=retry_seed,
                                   concurrency=self.max_concurrency)
        self.policy = self._retry.policy
        self.stats = self._retry.stats
        self.region_used: str | None = None
        self._secrets: tuple[str, ...] = ()
        self._client: Any = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        _boto3(self.name)

    # -- identity and repr carry no credential ----------------------------------------------
    def identity(self) -> dict[str, Any]:
        self.client   # resolves the region
        ident: dict[str, Any] = {"provider": "bedrock", "model": self.model,
                                 "region": self.region_used}
        if self.display_url:
            ident["endpoint_url"] = self.display_url
        if self.additional_fields:
            ident["additional_fields"] = redact_config(self.additional_fields)
        if self.top_k_field:
            ident["top_k_field"] = self.top_k_field
        return ident

    def __repr__(self) -> str:
        return (f"BedrockBackend(model={self.model!r}, region={self.region_used or self.region!r}"
                f", profile={self.profile!r}, endpoint_url={self.display_url!r})")

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret and text:
                text = text.replace(secret, _REDACTED)
        return text

    # -- the boto3 client, created once ------------------------------------------------------
    @property
    def client(self) -> Any:
        """The ``bedrock-runtime`` client (created on first use; tests stub it)."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        boto3 = _boto3(self.name)
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        # AWS_REGION (read by the AWS CLI and the other SDKs, not by boto3) beats the profile's
        # region and AWS_DEFAULT_REGION, as in the AWS CLI; -M region beats both.
        wanted = self.region or os.environ.get("AWS_REGION") or None
        try:
            session = boto3.Session(profile_name=self.profile, region_name=wanted)
        except ProfileNotFound:
            raise BackendUnavailable(f"{self.name}: AWS profile {self.profile!r} is not in "
                                     "~/.aws/config or ~/.aws/credentials", field="model") from None
        region = session.region_name
        if not region:
            raise BackendUnavailable(
                f"{self.name}: no AWS region; set AWS_REGION (or a region in ~/.aws/config) "
                "or pass -M region=us-east-1", field="model")
        try:
            creds = session.get_credentials()
            frozen = None if creds is None else creds.get_frozen_credentials()
        except BotoCoreError as exc:
            raise BackendUnavailable(f"{self.name}: cannot load AWS credentials "
                                     f"({type(exc).__name__})", field="model") from None
        if frozen is None or not frozen.access_key or not frozen.secret_key:
            raise BackendUnavailable(
                f"{self.name}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, configure ~/.aws/credentials, or pass -M profile=NAME",
                field="model")
        # removed from every message; real ones are 16+ characters (a toy value of a few
        # characters would blank out ordinary words instead)
        self._secrets = tuple(s for s in (frozen.secret_key, frozen.token, frozen.access_key)
                              if s and len(s) >= 8)
        options: dict[str, Any] = {}
        if self.endpoint_url and is_loopback(urlsplit(self.endpoint_url).hostname):
            options["proxies"] = {}   # proxy settings from the environment never apply to loopback
        config = Config(connect_timeout=min(10.0, self.timeout), read_timeout=self.timeout,
                        retries={"total_max_attempts": 1, "mode": "standard"},
                        max_pool_connections=max(10, self.max_concurrency),
                        user_agent_extra="assay", **options)
        try:
            client = session.client("bedrock-runtime", region_name=region,
                                    endpoint_url=self.endpoint_url, config=config)
        except (BotoCoreError, ValueError) as exc:
            raise BackendUnavailable(f"{self.name}: cannot create the bedrock-runtime client: "
                                     f"{self._redact(str(exc))}", field="model") from None
        self.region_used = region
        return client

    def _get_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(1, self.max_concurrency),
                                            thread_name_prefix="assay-bedrock")
        return self._pool

    # -- request -------------------------------------------------------------------------------
    def build_request(self, request: InferenceRequest) -> dict[str, Any]:
        """The keyword arguments of ``client.converse`` for ``request``."""
        s = request.settings
        if s.top_logprobs > 0:
            raise ConfigError(
                f"{self.name}: Bedrock Converse returns no log-probabilities, but "
                f"top_logprobs={s.top_logprobs} was asked; set inference.top_logprobs: 0 "
                "(judge.top_logprobs: 0 for a judge)", field="top_logprobs")
        system, messages = converse_messages(request.messages)
        kwargs: dict[str, Any] = {"modelId": self.model, "messages": messages,
                                  "inferenceConfig": inference_config(s)}
        if system:
            kwargs["system"] = system
        extra = json.loads(json.dumps(self.additional_fields)) if self.additional_fields else {}
        if s.top_k > 0:
            if not self.top_k_field:
                raise ConfigError(
                    f"{self.name}: Converse has no top_k, and inference.top_k={s.top_k} was "
                    "asked; pass -M top_k_field=top_k (Anthropic, Mistral) or "
                    "-M top_k_field=inferenceConfig.topK (Nova) to send it in "
                    "additionalModelRequestFields, or set inference.top_k: -1",
                    field="top_k")
            set_path(extra, self.top_k_field, int(s.top_k))
        if extra:
            kwargs["additionalModelRequestFields"] = extra
        return kwargs

    # -- one attempt -----------------------------------------------------------------------------
    async def _attempt(self, kwargs: dict[str, Any]) -> Completion:
        loop = asyncio.get_running_loop()
        client = self._client
        if client is None:
            client = await loop.run_in_executor(self._get_pool(), lambda: self.client)
        try:
            response = await loop.run_in_executor(self._get_pool(),
                                                  functools.partial(client.converse, **kwargs))
        except Exception as exc:  # noqa: BLE001 - botocore's errors are classified below
            raise self._error(exc) from None
        return parse_converse(response, self.name)

    def _error(self, exc: Exception) -> Exception:
        """A botocore failure as a classified GenerationError (credentials removed)."""
        from botocore import exceptions as bex

        if isinstance(exc, bex.ClientError):
            err = exc.response.get("Error") or {}
            meta = exc.response.get("ResponseMetadata") or {}
            code = err.get("Code")
            status = meta.get("HTTPStatusCode")
            kind, retryable = classify_error(code, status)
            detail = self._redact(str(err.get("Message") or exc))
            msg = f"{self.name}: {code or 'error'} (HTTP {status}): {detail[:500]}"
            if code in ("AccessDeniedException", "UnrecognizedClientException",
                        "InvalidSignatureException", "ExpiredTokenException"):
                msg += " (check the AWS credentials, IAM permissions and model access)"
            headers = meta.get("HTTPHeaders") or {}
            retry_after = parse_retry_after(headers.get("retry-after")) if retryable else None
            return GenerationError(kind, msg, raw=self._redact(str(exc))[:RAW_LIMIT],
                                   retryable=retryable, retry_after=retry_after, status=status)
        where = f" ({self.display_url})" if self.display_url else ""
        if isinstance(exc, (bex.ReadTimeoutError, bex.ConnectTimeoutError)):
            return GenerationError("timeout", f"{self.name}: request timed out after "
                                   f"{self.timeout:g}s{where} ({type(exc).__name__})",
                                   retryable=True)
        if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
            return BackendUnavailable(f"{self.name}: no AWS credentials found "
                                      f"({type(exc).__name__})", field="model")
        if isinstance(exc, bex.ParamValidationError):
            return GenerationError("bad_request", f"{self.name}: invalid Converse request: "
                                   f"{self._redact(str(exc))[:500]}", retryable=False)
        if isinstance(exc, bex.BotoCoreError):
            return GenerationError("connection", f"{self.name}: cannot reach Bedrock{where} "
                                   f"({type(exc).__name__}: {self._redact(str(exc))[:300]})",
                                   retryable=True)
        return exc   # not botocore's: a bug, raised as it is

    # -- Backend protocol --------------------------------------------------------------------------
    async def generate(self, request: InferenceRequest) -> Completion:
        kwargs = self.build_request(request)
        return await self._retried(lambda: self._attempt(kwargs))

    async def _retried(self, attempt):
        """``attempt()`` under the concurrency bound and the retry policy, counted in stats."""
        return await self._retry.run(attempt)

    async def preflight(self) -> None:
        """Fail fast (``BackendUnavailable``) without region or credentials; sends nothing."""
        await asyncio.get_running_loop().run_in_executor(self._get_pool(), lambda: self.client)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
        close = getattr(client, "close", None)
        if close is not None:
            close()


# -- factory ---------------------------------------------------------------------------------
_KNOWN = {"region", "profile", "endpoint_url", "timeout", "concurrency", "max_retries",
          "retry_base_delay", "retry_max_delay", "retry_seed", "top_k_field",
          "additional_fields"}
_CREDENTIAL_ARGS = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                    "access_key", "secret_key", "secret_access_key", "session_token", "api_key"}


_num = functools.partial(number_arg, "bedrock")


def create(spec: ModelSpec) -> BedrockBackend:
    a = dict(spec.args)
    given = sorted(k for k in a if str(k).lower() in _CREDENTIAL_ARGS)
    if given:
        raise ConfigError(f"do not pass AWS credentials as model arguments ({', '.join(given)}); "
                          "use the environment, ~/.aws/credentials or -M profile=NAME",
                          field="model_args")
    unknown = set(a) - _KNOWN
    if unknown:
        raise ConfigError(f"unknown bedrock argument(s): {', '.join(sorted(map(str, unknown)))} "
                          f"(known: {', '.join(sorted(_KNOWN))})", field="model_args")
    endpoint = a.get("endpoint_url")
    if endpoint and not str(endpoint).startswith(("http://", "https://")):
        raise ConfigError(f"endpoint_url must start with http:// or https://, got "
                          f"{strip_userinfo(str(endpoint))!r}", field="endpoint_url")
    top_k_field = a.get("top_k_field")
    if top_k_field is not None and (not isinstance(top_k_field, str) or not all(
            top_k_field.split("."))):
        raise ConfigError("top_k_field must be a field name or dotted path, e.g. top_k or "
                          "inferenceConfig.topK", field="top_k_field")
    seed = a.get("retry_seed")
    return BedrockBackend(
        spec.model,
        region=str(a["region"]) if a.get("region") else None,
        profile=str(a["profile"]) if a.get("profile") else None,
        endpoint_url=str(endpoint) if endpoint else None,
        timeout=_num(a, "timeout", float, 120.0, minimum=0.001),
        concurrency=_num(a, "concurrency", int, 4, minimum=1),
        max_retries=_num(a, "max_retries", int, 4, minimum=0),
        retry_base_delay=_num(a, "retry_base_delay", float, 1.0, minimum=0),
        retry_max_delay=_num(a, "retry_max_delay", float, 30.0, minimum=0),
        retry_seed=None if seed in (None, "") else _num(a, "retry_seed", int, None),
        top_k_field=top_k_field,
        additional_fields=object_arg(a, "additional_fields"),
    )
