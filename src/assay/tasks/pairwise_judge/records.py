"""The per-example record of a pairwise judge run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...results.records import ExampleError

__all__ = ["JudgeRecord", "RubricRecord"]


@dataclass(frozen=True, slots=True)
class JudgeRecord:
    """Both passes' raw judge texts, their parsed verdicts (the backward one mapped back to
    the original positions), the reconciled outcome (A, B, tie or error) and whether the two
    passes agreed (position consistency). A structured judge adds the verdict probabilities
    ``{"A", "B", "tie"}`` of each pass (the backward one in the original positions) and of
    the example (their mean); ``None`` where the log-probabilities did not give them
    (free-text judges, old records). ``images`` counts the images shown with the pair (the
    payloads are never recorded)."""

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
    forward_probs: dict[str, float] | None = None
    backward_probs: dict[str, float] | None = None
    verdict_probs: dict[str, float] | None = None
    images: int = 0   # images the judge was shown with the pair (mm_llm_judge)

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
            "forward_probs": self.forward_probs, "backward_probs": self.backward_probs,
            "verdict_probs": self.verdict_probs,
            # only when there were some: the records of text-only runs are unchanged
            **({"images": self.images} if self.images else {}),
        }


@dataclass(frozen=True, slots=True)
class RubricRecord(JudgeRecord):
    """A rubric judge example: the pairwise fields plus the weighted scores (mean of the passes
    that parsed, in the original positions), the margin A − B and the criteria breakdown."""

    weighted_score_a: float | None = None
    weighted_score_b: float | None = None
    score_margin: float | None = None
    criteria_breakdown: dict[str, Any] | None = None
    overall_justification: str | None = None
    label: str | None = None
    bothbad: bool = False
    notes: tuple[str, ...] = ()

    @property
    def metrics(self) -> dict[str, float]:
        m = JudgeRecord.metrics.fget(self)
        nan = float("nan")
        m.update(weighted_score_A=nan if self.weighted_score_a is None else self.weighted_score_a,
                 weighted_score_B=nan if self.weighted_score_b is None else self.weighted_score_b,
                 score_margin=nan if self.score_margin is None else self.score_margin,
                 bothbad=float(self.bothbad))
        return m

    def to_dict(self) -> dict[str, Any]:
        d = JudgeRecord.to_dict(self)
        d.update(weighted_score_a=self.weighted_score_a, weighted_score_b=self.weighted_score_b,
                 score_margin=self.score_margin, criteria_breakdown=self.criteria_breakdown,
                 overall_justification=self.overall_justification, label=self.label,
                 bothbad=self.bothbad, notes=list(self.notes))
        return d
