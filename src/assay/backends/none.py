"""``none``: the model of a run that calls no model, e.g. a retrieve-only RAG run with no judge
metric (only the model-free retrieval metrics). It loads nothing; a request reaching it is an
error on that example, never an answer."""

from __future__ import annotations

from typing import Any

from ..errors import GenerationError
from .base import ModelSpec
from .types import Completion, InferenceRequest

__all__ = ["NoModelBackend"]


class NoModelBackend:
    cacheable = False
    instant = True
    max_concurrency = 1024
    name = "none"

    def identity(self) -> dict[str, Any]:
        return {"provider": "none"}

    async def generate(self, request: InferenceRequest) -> Completion:
        raise GenerationError("bad_request", "this run calls no model (model 'none')")

    async def aclose(self) -> None:
        return None


def create(spec: ModelSpec) -> NoModelBackend:
    return NoModelBackend()
