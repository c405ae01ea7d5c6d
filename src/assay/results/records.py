"""The per-example record: what one example produced, from prompt to metrics.

Records are frozen, typed and JSON-round-trippable; the run store appends them and every
writer, aggregate and report reads them back in dataset order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .json_io import nan_if_not_finite, nan_if_not_finite_lists, restore_nonfinite

__all__ = ["ExampleError", "ExampleRecord"]


@dataclass(frozen=True, slots=True)
class ExampleError:
    """A failure recorded on one example. ``stage``: preprocess, inference, postprocess,
    scoring, judge. ``raw`` keeps whatever text came back."""

    stage: str
    kind: str
    message: str
    raw: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ExampleRecord:
    index: int
    id: str
    query: str
    gold: str
    system: str | None
    metadata_raw: str | None
    metadata: dict[str, Any] | None
    messages: list[dict[str, str]]
    prediction: str | None
    logprobs: list[dict[str, Any]] | None = None
    #: per-example confidence from the logprobs (assay.analysis.confidence.Confidence as a
    #: dict: first_token_prob, mean_logprob, min_logprob, label, label_probability); None when
    #: the example has no completion, or in records written before it existed
    confidence: dict[str, Any] | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    metric_state: dict[str, list[float]] = field(default_factory=dict)
    error: ExampleError | None = None
    latency_s: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    cached: bool = False
    attempts: int = 0
    images: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = {
            "index": self.index, "id": self.id, "query": self.query, "gold": self.gold,
            "system": self.system, "metadata_raw": self.metadata_raw, "metadata": self.metadata,
            "messages": self.messages, "prediction": self.prediction, "logprobs": self.logprobs,
            "confidence": self.confidence,
            # ±inf metric values are not-a-number (see assay.results.json_io)
            "metrics": nan_if_not_finite(self.metrics),
            "metric_state": nan_if_not_finite_lists(self.metric_state),
            "error": None if self.error is None else self.error.to_dict(),
            "latency_s": self.latency_s, "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens, "finish_reason": self.finish_reason,
            "cached": self.cached, "attempts": self.attempts, "images": self.images,
        }
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ExampleRecord":
        """Inverse of :meth:`to_dict`, also of its strict-JSON text: a ``null`` metric value
        is NaN again, a ``null`` token logprob -inf (see :mod:`assay.results.json_io`)."""
        err = d.get("error")
        kw = restore_nonfinite(dict(d))
        kw["error"] = None if err is None else ExampleError(**err)
        return cls(**kw)
