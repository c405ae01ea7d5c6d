"""The BYOM wire contract as pydantic models (the SDK's ``model.models``; formats.md §1.4.1).

Every model forbids unknown keys, so an extra key anywhere (``metadata``, say) fails
validation exactly as it does in ``nova_custom_evaluation_sdk``.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ProcessType",
    "PreprocessingData",
    "PreprocessingPayload",
    "PreprocessingResponseBody",
    "PreprocessingResponse",
    "PostprocessingDataItem",
    "PostprocessingPayload",
    "MetricResult",
    "PostprocessingResponse",
]


class ProcessType(str, Enum):
    """Value of ``event['process_type']``."""

    PREPROCESS = "preprocess"
    POSTPROCESS = "postprocess"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _status_200(value: int) -> int:
    if value != 200:
        raise ValueError("statusCode must be 200")
    return value


class PreprocessingData(_Strict):
    """``data`` of a preprocess event."""

    system: Optional[str] = None
    prompt: str
    gold: str


class PreprocessingPayload(_Strict):
    """A whole preprocess event."""

    process_type: Literal["preprocess"]
    data: PreprocessingData


class PreprocessingResponseBody(_Strict):
    """``body`` of a preprocess response: the values that replace the record's."""

    system: Optional[str] = None
    prompt: str
    gold: str


class PreprocessingResponse(_Strict):
    """A whole preprocess response; ``statusCode`` must be 200."""

    statusCode: int
    body: PreprocessingResponseBody

    _check_status = field_validator("statusCode")(_status_200)


class PostprocessingDataItem(_Strict):
    """``data`` of a postprocess event."""

    prompt: str
    inference_output: str
    gold: str


class PostprocessingPayload(_Strict):
    """A whole postprocess event; ``data`` is an object or a one-element list (SDK README form)."""

    process_type: Literal["postprocess"]
    data: Union[
        PostprocessingDataItem,
        Annotated[List[PostprocessingDataItem], Field(min_length=1, max_length=1)],
    ]


class MetricResult(_Strict):
    """One metric of a postprocess response."""

    metric: str
    value: Union[float, int]


class PostprocessingResponse(_Strict):
    """A whole postprocess response; ``statusCode`` must be 200."""

    statusCode: int
    body: List[MetricResult]

    _check_status = field_validator("statusCode")(_status_200)
