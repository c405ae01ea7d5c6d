"""The per-example record of a pointwise judge run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...results.records import ExampleError

__all__ = ["PointwiseRecord", "STATUSES"]

#: what became of one metric on one example: rated; the judge answered N/A; the answer had
#: no rating on the scale; the request failed; not asked (no response, or no reference for a
#: metric that needs one)
STATUSES = ("scored", "not_applicable", "unparseable", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class PointwiseRecord:
    """The prompt, reference and judged response of one example, and per metric (in the
    run's order) ``{status, label, value, score, explanation, raw, problem}``: ``score`` is
    the normalised 0-1 score or ``None`` (see ``status``), ``raw`` the judge's text as it came
    back, ``weighted_score``/``label_probs`` the probability-weighted score (:mod:`.geval`);
    with judge samples also ``sd``, ``range``, the counts and ``samples`` (:mod:`.sampling`).
    ``error`` is set when a request failed (its kind: connection, timeout, ...), or
    ``unparseable`` when every request answered but some rating could not be read."""

    index: int
    id: str
    prompt: str
    reference: str | None
    response: str | None
    model_identifier: str | None
    metadata_raw: str | None
    metadata: dict[str, Any] | None
    input_record: dict[str, Any]
    ratings: dict[str, dict[str, Any]]
    error: ExampleError | None = None
    latency_s: float = 0.0
    cached: bool = False

    @property
    def metrics(self) -> dict[str, float | None]:
        """Metric name -> normalised score (``None`` where there is none)."""
        return {name: r.get("score") for name, r in self.ratings.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "id": self.id, "prompt": self.prompt,
            "reference": self.reference, "response": self.response,
            "model_identifier": self.model_identifier, "metadata_raw": self.metadata_raw,
            "metadata": self.metadata, "input_record": self.input_record,
            "metrics": self.metrics, "ratings": self.ratings,
            "error": None if self.error is None else self.error.to_dict(),
            "latency_s": self.latency_s, "cached": self.cached,
        }
