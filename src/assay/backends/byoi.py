"""``byoi``: bring your own inference. The responses are already in the dataset.

A gen_qa row carries its model response in ``prediction`` (or Bedrock-style
``modelResponses[0].response``); the data reader puts it on the request as
``precomputed``. A row without one is a per-example error, not a crash.
"""

from __future__ import annotations

from typing import Any

from ..errors import GenerationError
from .base import ModelSpec
from .types import Completion, InferenceRequest

__all__ = ["ByoiBackend"]


class ByoiBackend:
    cacheable = False
    supports_images = True   # the answers are already made: a row's images are no obstacle
    instant = True
    max_concurrency = 1024

    def __init__(self, label: str = "") -> None:
        self.name = f"byoi/{label}" if label else "byoi"
        self.label = label

    def identity(self) -> dict[str, Any]:
        return {"provider": "byoi", "label": self.label}

    async def generate(self, request: InferenceRequest) -> Completion:
        if request.precomputed is None:
            raise GenerationError("bad_request",
                                  "byoi: the row has no precomputed response "
                                  "(field 'prediction' or 'modelResponses')")
        return Completion(text=request.precomputed, finish_reason="precomputed")

    async def aclose(self) -> None:
        return None


def create(spec: ModelSpec) -> ByoiBackend:
    return ByoiBackend(spec.model)
