"""The Backend protocol, and the registry that turns ``provider/model`` into a backend."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..errors import BackendUnavailable, ConfigError
from .types import Completion, InferenceRequest, LoglikelihoodRequest, LoglikelihoodResult

__all__ = ["Backend", "LoglikelihoodBackend", "can_score_loglikelihood", "ModelSpec",
           "register_backend", "create_backend", "providers"]


@runtime_checkable
class Backend(Protocol):
    """A model that answers chat requests.

    ``name`` is the ``provider/model`` string; ``identity()`` returns what makes two
    backends interchangeable for the response cache (model file digest, endpoint model
    name, ...). ``max_concurrency`` bounds parallel requests; ``cacheable`` is False for
    backends whose answers cost nothing (mock, byoi). An optional ``supports_images`` (read
    with ``getattr(backend, "supports_images", False)``) says it takes ``Message.images``; an
    optional ``compute_bound`` says it computes on this machine's cores (local, hf), so the
    runner never overlaps its next request with the scoring of the last one.
    """

    name: str
    max_concurrency: int
    cacheable: bool

    def identity(self) -> dict[str, Any]: ...

    async def generate(self, request: InferenceRequest) -> Completion: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class LoglikelihoodBackend(Protocol):
    """A backend that can also score given continuations (multiple-choice benchmarks).

    ``supports_loglikelihood`` says whether this instance can (an OpenAI-compatible
    endpoint only when its completions route echoes prompt log-probabilities)."""

    supports_loglikelihood: bool

    async def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]
                            ) -> list[LoglikelihoodResult]: ...


def can_score_loglikelihood(backend: object) -> bool:
    """True when ``backend`` implements :class:`LoglikelihoodBackend` and says it can."""
    return bool(getattr(backend, "supports_loglikelihood", False)) and \
        callable(getattr(backend, "loglikelihood", None))


@dataclass(frozen=True)
class ModelSpec:
    """A parsed ``provider/model`` name plus its ``-M key=value`` arguments."""

    provider: str
    model: str
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.provider}/{self.model}" if self.model else self.provider

    @classmethod
    def parse(cls, text: str, args: dict[str, Any] | None = None) -> "ModelSpec":
        text = (text or "").strip()
        if not text:
            raise ConfigError("model name is empty; expected provider/model, e.g. local/smollm2",
                              field="model")
        provider, _, model = text.partition("/")
        return cls(provider=provider, model=model, args=dict(args or {}))


Factory = Callable[[ModelSpec], Backend]
_REGISTRY: dict[str, Factory] = {}


def register_backend(provider: str) -> Callable[[Factory], Factory]:
    """Register a factory ``f(spec) -> Backend`` under ``provider``."""

    def deco(factory: Factory) -> Factory:
        _REGISTRY[provider] = factory
        return factory

    return deco


#: The built-in providers: each module's ``create(spec)`` factory, imported when first asked
#: for (heavy dependencies load inside the factories). The modules do not import this
#: registry back, so there is no import cycle.
_BUILTIN = {"bedrock": "bedrock", "byoi": "byoi", "hf": "hf", "local": "local", "mock": "mock",
            "none": "none", "openai": "openai"}


def _factory(provider: str) -> Factory | None:
    if provider in _REGISTRY:
        return _REGISTRY[provider]
    module = _BUILTIN.get(provider)
    if module is None:
        return None
    from importlib import import_module

    return import_module(f"{__package__}.{module}").create


def providers() -> list[str]:
    return sorted(set(_REGISTRY) | set(_BUILTIN))


def create_backend(spec: ModelSpec) -> Backend:
    """Resolve a spec to a backend, with a did-you-mean for unknown providers."""
    factory = _factory(spec.provider)
    if factory is None:
        known = providers()
        close = difflib.get_close_matches(spec.provider, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise BackendUnavailable(
            f"unknown model provider '{spec.provider}' in '{spec.name}'{hint} "
            f"(known: {', '.join(known)})", field="model")
    return factory(spec)
