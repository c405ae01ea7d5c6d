"""The RFT reward contract (formats.md §1.4.3): what a reward function receives and returns.

Request: a bare list of samples, or ``{"batch": [...]}``. A sample is
``{"id": str, "messages": [{"role", "content"}, ...], "reference_answer": str | object}``;
the model response is the last ``assistant`` (or ``nova_assistant``) turn. Other keys of a
sample are kept and passed on (the contract writes them as ``...``).

Response: a list, or ``{"statusCode": 200, "body": <list or its JSON text>}``, of
``{"id": str, "aggregate_reward_score": float,
"metrics_list": [{"name": str, "value": float, "type": "Metric" | "Reward"}]}``.
Responses are strict: an unknown key, a missing field or a non-finite number is rejected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..processors.errors import ProcessorError

__all__ = ["REWARD", "ASSISTANT_ROLES", "RewardMessage", "RewardSample", "RewardMetric",
           "RewardResult", "parse_request", "parse_reward_response", "request_event",
           "response_text", "one_line"]

#: The stage name of a reward call on an example's error (``ProcessorError.stage``).
REWARD = "reward"
#: Roles that count as the model's turn.
ASSISTANT_ROLES = ("assistant", "nova_assistant")


class RewardMessage(BaseModel):
    """One chat turn."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    role: str = Field(min_length=1)
    content: str


class RewardSample(BaseModel):
    """One sample of a request. Keys beyond the three named ones are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(min_length=1, strict=True)
    messages: list[RewardMessage] = Field(min_length=1)
    reference_answer: Any

    @property
    def response(self) -> str | None:
        """The model's answer: the content of the last assistant turn (None when none)."""
        for m in reversed(self.messages):
            if m.role in ASSISTANT_ROLES:
                return m.content
        return None


class RewardMetric(BaseModel):
    """One named value of a reward result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, strict=True)
    value: float = Field(allow_inf_nan=False)
    type: Literal["Metric", "Reward"] = "Metric"


class RewardResult(BaseModel):
    """The reward of one sample."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, strict=True)
    aggregate_reward_score: float = Field(allow_inf_nan=False)
    metrics_list: list[RewardMetric] = Field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """``aggregate_reward_score`` and every metric, by name (a later duplicate wins)."""
        out = {"aggregate_reward_score": self.aggregate_reward_score}
        for m in self.metrics_list:
            out[m.name] = m.value
        return out


_SAMPLES = TypeAdapter(list[RewardSample])
_RESULTS = TypeAdapter(list[RewardResult])


def one_line(exc: ValidationError) -> str:
    """A validation error as one line: ``loc: msg; loc: msg``."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


def parse_request(event: Any) -> list[RewardSample]:
    """The samples of a request (a list or ``{"batch": [...]}``); ``ValueError`` otherwise."""
    if isinstance(event, Mapping):
        if set(event) != {"batch"}:
            raise ValueError("a reward request is a list of samples or {\"batch\": [...]}")
        event = event["batch"]
    if not isinstance(event, list):
        raise ValueError(f"a reward request is a list of samples, got {type(event).__name__}")
    try:
        return _SAMPLES.validate_python(event)
    except ValidationError as exc:
        raise ValueError(f"invalid reward request: {one_line(exc)}") from None


def request_event(samples: Sequence[RewardSample], *, envelope: str = "list") -> Any:
    """The JSON value sent for ``samples``: a bare list, or ``{"batch": [...]}``."""
    items = [s.model_dump(mode="json") for s in samples]
    if envelope == "batch":
        return {"batch": items}
    if envelope != "list":
        raise ValueError("envelope is 'list' or 'batch'")
    return items


def response_text(payload: Any) -> str:
    try:
        return json.dumps(payload, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(payload)


def parse_reward_response(payload: Any, *, raw: str | None = None) -> list[RewardResult]:
    """The results in a reward function's answer; :class:`ProcessorError` (stage
    :data:`REWARD`, raw text kept) when it breaks the contract."""
    raw = raw if raw is not None else response_text(payload)
    body = payload
    if isinstance(payload, Mapping):
        if "errorMessage" in payload and "statusCode" not in payload:
            kind = payload.get("errorType")
            msg = str(payload.get("errorMessage", ""))[:1000]
            raise ProcessorError(REWARD, "function error: " + (f"{kind}: {msg}" if kind
                                                                else msg), raw=raw)
        if "statusCode" not in payload or "body" not in payload:
            raise ProcessorError(REWARD, "response is neither a list nor "
                                 "{\"statusCode\", \"body\"}", raw=raw)
        status, body = payload["statusCode"], payload["body"]
        if isinstance(status, str) and status.strip().isdigit():
            status = int(status)
        if status != 200:
            raise ProcessorError(REWARD, f"statusCode {status}", raw=raw)
        if isinstance(body, (str, bytes)):
            try:
                body = json.loads(body)
            except ValueError:
                raise ProcessorError(REWARD, "response body is a string but not JSON",
                                     raw=raw) from None
    if not isinstance(body, list):
        raise ProcessorError(REWARD, f"response is not a list of results "
                             f"(got {type(body).__name__})", raw=raw)
    try:
        return _RESULTS.validate_python(body)
    except ValidationError as exc:
        raise ProcessorError(REWARD, f"invalid reward response: {one_line(exc)}",
                             raw=raw) from None
