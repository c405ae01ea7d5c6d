"""The per-example record of a pairwise judge run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .records import ExampleError

__all__ = ["JudgeRecord"]


@dataclass(frozen=True, slots=True)
class JudgeRecord:
    """Both passes' raw judge texts, their parsed verdicts (the backward one mapped back to
    the original positions), the reconciled outcome (A, B, tie or error) and whether the two
    passes agreed (position consistency)."""

    index: int
    id: str
    prompt: str
    response_a: str
    response_b: str
    metadata_raw: str | None
    metadata: dict[str, Any] | None
    human_label: str | None
    forward_output: str | None
    backward_output: str | None
    forward_verdict: str
    backward_verdict: str
    outcome: str
    consistent: bool
    error: ExampleError | None = None
    latency_s: float = 0.0
    cached: bool = False

    @property
    def metrics(self) -> dict[str, float]:
        """Nova's per-example judge metrics (``inference-score`` spelled as the docs do)."""
        return {"a_scores": float(self.outcome == "A"), "b_scores": float(self.outcome == "B"),
                "ties": float(self.outcome == "tie"),
                "inference-score": float(self.outcome == "error"),
                "score": float(self.outcome == "B")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "id": self.id, "prompt": self.prompt,
            "response_a": self.response_a, "response_b": self.response_b,
            "metadata_raw": self.metadata_raw, "metadata": self.metadata,
            "human_label": self.human_label, "forward_output": self.forward_output,
            "backward_output": self.backward_output, "forward_verdict": self.forward_verdict,
            "backward_verdict": self.backward_verdict, "outcome": self.outcome,
            "consistent": self.consistent, "metrics": self.metrics,
            "error": None if self.error is None else self.error.to_dict(),
            "latency_s": self.latency_s, "cached": self.cached,
        }
