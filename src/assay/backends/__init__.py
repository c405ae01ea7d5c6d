"""Backends: one protocol, a registry of providers named ``provider/model``.

Built-in providers: ``local`` (llama.cpp GGUF; ``local/smollm2`` is the embedded default),
``openai`` (any OpenAI-compatible endpoint), ``byoi`` (responses already in the dataset) and
``mock`` (scripted, deterministic). Heavy dependencies load inside the factories.
"""

from .base import (Backend, LoglikelihoodBackend, ModelSpec, can_score_loglikelihood,
                   create_backend, providers, register_backend)
from .cache import ResponseCache, cache_key
from .types import (Completion, GenerationSettings, InferenceRequest, LoglikelihoodRequest,
                    LoglikelihoodResult, Message, TokenLogprob)

__all__ = [
    "Backend", "LoglikelihoodBackend", "can_score_loglikelihood", "ModelSpec", "create_backend", "providers", "register_backend",
    "Completion", "GenerationSettings", "InferenceRequest", "Message", "TokenLogprob",
    "LoglikelihoodRequest", "LoglikelihoodResult",
    "ResponseCache", "cache_key",
]
