"""``@preprocess`` / ``@postprocess`` and the processor objects they return.

``process(event, context)`` validates the whole event with the payload model, calls
``func(event, context)`` (the function reads ``event['data']``), validates what it returns
with the response model and returns ``response.model_dump()``. Any failure is raised as
:class:`PreprocessError` / :class:`PostprocessError` with the SDK's messages:
``"Validation failed: ..."`` for a pydantic error, else ``"Preprocessing failed: ..."`` /
``"PostProcessor failed: ..."``. Like the SDK's, the objects are not callable.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict

from pydantic import BaseModel, ValidationError

from .exceptions import PostprocessError, PreprocessError, SDKProcessorError
from .models import (
    PostprocessingPayload,
    PostprocessingResponse,
    PreprocessingPayload,
    PreprocessingResponse,
)

__all__ = ["SDKProcessor", "PreProcessor", "PostProcessor", "preprocess", "postprocess",
           "EXPECTED_PARAM_COUNT"]

#: A processor function takes ``(event, context)``.
EXPECTED_PARAM_COUNT = 2


class SDKProcessor(ABC):
    """Abstract base of the processor objects (the SDK's ``processors.processor.Processor``)."""

    @abstractmethod
    def process(self, data: Dict, context: Any) -> Dict:
        """Process one event and return the validated response dict."""


class _ValidatingProcessor(SDKProcessor):
    _payload: type[BaseModel]
    _response: type[BaseModel]
    _error: type[SDKProcessorError]
    _failed: str

    def __init__(self, func: Callable[[Dict, Any], Dict]) -> None:
        self.func = func
        self.__name__ = getattr(func, "__name__", type(self).__name__)
        self.__doc__ = getattr(func, "__doc__", None)

    def process(self, data: Dict, context: Any) -> Dict:
        try:
            self._payload.model_validate(data)
            result = self.func(data, context)
            return self._response.model_validate(result).model_dump()
        except ValidationError as exc:
            raise self._error(f"Validation failed: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - the SDK wraps every failure
            raise self._error(f"{self._failed}: {exc}") from exc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__name__})"


class PreProcessor(_ValidatingProcessor):
    """A preprocess function with event and response validation."""

    _payload = PreprocessingPayload
    _response = PreprocessingResponse
    _error = PreprocessError
    _failed = "Preprocessing failed"


class PostProcessor(_ValidatingProcessor):
    """A postprocess function with event and response validation."""

    _payload = PostprocessingPayload
    _response = PostprocessingResponse
    _error = PostprocessError
    _failed = "PostProcessor failed"


def _check_signature(func: Callable) -> None:
    count = len(inspect.signature(func).parameters)
    if count != EXPECTED_PARAM_COUNT:
        name = getattr(func, "__name__", repr(func))
        raise TypeError(f"Function {name} must have exactly {EXPECTED_PARAM_COUNT} parameters "
                        f"(data, context), got {count}")


def preprocess(func: Callable[[Dict, Any], Dict]) -> PreProcessor:
    """Wrap ``func(event, context)`` in a :class:`PreProcessor` (``TypeError`` unless 2 params)."""
    _check_signature(func)
    return PreProcessor(func)


def postprocess(func: Callable[[Dict, Any], Dict]) -> PostProcessor:
    """Wrap ``func(event, context)`` in a :class:`PostProcessor` (``TypeError`` unless 2 params)."""
    _check_signature(func)
    return PostProcessor(func)
