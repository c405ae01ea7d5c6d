"""How a judge run asks its judge: structured (JSON Schema) or free-text verdicts, and how many
top log-probabilities per token it requests (for the verdict probabilities).

``judge.structured: auto`` is on where the backend enforces a JSON Schema while generating:
``local/`` (a llama.cpp grammar), ``mock/`` (scripted; the reply is checked after the fact) and
``openai/`` endpoints whose ``dialect`` is ``llama_cpp`` (it honours
``response_format``); off for other OpenAI-compatible endpoints and other providers.
``judge.top_logprobs`` unset: 5 for a structured judge (or ``inference.top_logprobs`` when
larger), ``inference.top_logprobs`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ...backends.structured import json_schema_format
from ...backends.types import GenerationSettings

__all__ = ["JudgeMode", "resolve_mode", "STRUCTURED_PROVIDERS", "STRUCTURED_DIALECTS",
           "DEFAULT_TOP_LOGPROBS"]

STRUCTURED_PROVIDERS = ("local", "mock")
STRUCTURED_DIALECTS = ("llama_cpp",)
DEFAULT_TOP_LOGPROBS = 5


@dataclass(frozen=True)
class JudgeMode:
    structured: bool
    top_logprobs: int

    def settings(self, base: GenerationSettings, schema: dict | None,
                 min_new_tokens: int) -> GenerationSettings:
        """The generation settings of one judge request."""
        if not self.structured or schema is None:
            if base.top_logprobs == self.top_logprobs:
                return base
            return replace(base, top_logprobs=self.top_logprobs)
        return replace(base, response_format=json_schema_format(schema),
                       top_logprobs=self.top_logprobs,
                       max_new_tokens=max(base.max_new_tokens, min_new_tokens))

    def fingerprint(self) -> dict[str, Any]:
        return {"structured": self.structured, "top_logprobs": self.top_logprobs}


def auto_structured(model: str, model_args: dict[str, Any]) -> bool:
    provider = (model or "").strip().partition("/")[0]
    if provider in STRUCTURED_PROVIDERS:
        return True
    if provider == "openai":
        return str(model_args.get("dialect") or "openai") in STRUCTURED_DIALECTS
    return False


def resolve_mode(judge: Any, inference: Any) -> JudgeMode:
    """The mode of a recipe's ``judge`` section with its ``inference`` settings."""
    setting = getattr(judge, "structured", "auto")
    structured = (setting == "on" or
                  (setting == "auto" and auto_structured(judge.model, dict(judge.model_args))))
    k = getattr(judge, "top_logprobs", None)
    if k is None:
        k = max(inference.top_logprobs, DEFAULT_TOP_LOGPROBS) if structured \
            else inference.top_logprobs
    return JudgeMode(structured=structured, top_logprobs=int(k))
