"""The per-item record of a benchmark run: prompt, gold, per-choice log-likelihoods or the
generated text, the extracted answer, correctness and metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ...results.json_io import nan_if_not_finite, restore_nonfinite
from ...results.records import ExampleError

__all__ = ["BenchRecord"]


@dataclass(frozen=True, slots=True)
class BenchRecord:
    """``method`` is the scoring path that ran: ``loglikelihood`` or ``generate``.

    Log-likelihood items carry ``loglikelihoods`` (one per choice, natural log, summed over
    the continuation's tokens), ``greedy`` and ``n_tokens`` per choice, and the predicted
    choice (``pred_index``, and ``pred_index_norm`` for ``acc_norm``), with ``choice_probs``
    (softmax over the summed ``loglikelihoods``) and ``confidence`` (the predicted choice's
    probability; :mod:`assay.tasks.benchmark.calibration`). Generation items carry
    the model's ``prediction`` text and the ``extracted`` answer. ``correct`` is the primary
    metric as a bool (None when the item failed or the metric is continuous)."""

    index: int
    id: str
    benchmark: str
    subtask: str
    question: str
    method: str
    system: str | None
    prompt: str                       # the LL context, or the generation user message
    choices: list[str]
    gold_index: int
    gold_indices: list[int]
    gold: str                         # the gold answer as text (choice, letter, number)
    fewshot: int = 0
    loglikelihoods: list[float] | None = None
    greedy: list[bool] | None = None
    n_tokens: list[int] | None = None
    pred_index: int | None = None
    pred_index_norm: int | None = None
    prediction: str | None = None
    extracted: str | None = None
    correct: bool | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    error: ExampleError | None = None
    latency_s: float = 0.0
    attempts: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    cached: bool = False
    choice_probs: list[float] | None = None   # added with calibration: old records lack it
    confidence: float | None = None
    #: with assay.benchmark.samples > 1: each sample's text, extracted answer and metrics
    samples: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["metrics"] = nan_if_not_finite(d["metrics"])   # ±inf: not a number (json_io)
        d["error"] = None if self.error is None else self.error.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BenchRecord":
        kw = restore_nonfinite(dict(d))   # null metric: NaN; null log-likelihood: -inf
        err = kw.get("error")
        kw["error"] = None if err is None else ExampleError(**err)
        return cls(**kw)
