"""The scorer protocols, the per-example result type and the base class of every preset.

Two protocols, one object may satisfy both:

* :class:`Scorer` (corpus level): ``score(predictions, ground_truth, metadata=None)``
  returns the aggregate ``dict[str, float]`` of a whole list of examples. This is the
  SageMaker ``CustomScorerEvaluator`` shape, and the only correct aggregate for
  metrics that are not a mean of per-example values (corpus BLEU, macro F1).
* :class:`ExampleScorer` (per example): ``score_one(prediction, ground_truth, metadata)``
  returns that example's ``dict[str, float]``; the runner keeps it on the example's
  record and, unless the scorer is :attr:`~BaseScorer.corpus_level`, aggregates each
  key by its mean with ``std(ddof=1)/sqrt(n)`` (:func:`assay.metrics.mean_with_stderr`).

Per-example values are :class:`ExampleScores`: a plain ``dict[str, float]`` that also
carries ``details`` (JSON-able, e.g. the parsed label or the first validation error).
A ``NaN`` value marks an example that could not be scored (it is *missing*: skipped by
every aggregate and counted separately), exactly as failed examples elsewhere in assay.

:class:`BaseScorer` implements both protocols from ``score_one``; presets override
:meth:`~BaseScorer.score` when their corpus value is not the mean, and
:meth:`~BaseScorer.score_batch` when batching is faster (BERTScore).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from assay.metrics.aggregate import mean_with_stderr

__all__ = [
    "Metadata",
    "ExampleScores",
    "ScorerSpec",
    "Scorer",
    "ExampleScorer",
    "BaseScorer",
    "check_lengths",
]

Metadata = Mapping[str, Any] | None


class ExampleScores(dict[str, float]):
    """One example's values (``dict[str, float]``) plus JSON-able ``details``.

    ``details`` holds what is not a number: a parsed label, an error message.
    Pickles and compares like a dict (details are not part of equality).
    """

    def __init__(self, values: Mapping[str, float] | None = None, /,
                 details: Mapping[str, Any] | None = None) -> None:
        super().__init__(values or {})
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"ExampleScores({dict.__repr__(self)}, details={self.details!r})"

    def __reduce__(self):
        return (ExampleScores, (dict(self), self.details))


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    return repr(value)


def _canonical(value: Any) -> Any:
    """Tuples as lists and paths as strings (recursively), so specs compare after a round trip."""
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


@dataclass(frozen=True)
class ScorerSpec:
    """Which scorer produced a result: its registered name and every parameter.

    ``params`` holds the arguments as bound to the factory's signature, defaults
    filled in (tuples kept as lists, paths as strings), so two results with equal
    specs were scored the same way.
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _canonical(dict(self.params)))

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "params": {...}}`` with JSON-able values (tuples as lists)."""
        return {"name": self.name, "params": _jsonable(dict(self.params))}

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


@runtime_checkable
class Scorer(Protocol):
    """Corpus-level scorer: aggregate metrics of a list of examples."""

    def score(self, predictions: list[str], ground_truth: list[str],
              metadata: list[dict | None] | None = None) -> dict[str, float]:
        ...


@runtime_checkable
class ExampleScorer(Protocol):
    """Per-example scorer: the values of one example (the runner averages them)."""

    def score_one(self, prediction: str, ground_truth: str,
                  metadata: dict | None = None) -> dict[str, float]:
        ...


def check_lengths(predictions: Sequence[Any], ground_truth: Sequence[Any],
                  metadata: Sequence[Any] | None) -> list[Any]:
    """Validate aligned inputs; return ``metadata`` as a list (``None`` per example if absent)."""
    if len(predictions) != len(ground_truth):
        raise ValueError(f"predictions ({len(predictions)}) and ground_truth "
                         f"({len(ground_truth)}) differ in length")
    if metadata is None:
        return [None] * len(predictions)
    if len(metadata) != len(predictions):
        raise ValueError(f"metadata ({len(metadata)}) and predictions "
                         f"({len(predictions)}) differ in length")
    return list(metadata)


class BaseScorer:
    """Base of the presets: both protocols, derived from :meth:`score_one`.

    Subclasses set :attr:`metric` (the primary key) and implement :meth:`score_one`.
    ``corpus_level = True`` tells the runner that :meth:`score` is not the mean of the
    per-example values, so aggregates must come from :meth:`score` over the valid
    examples. ``spec`` is set by :func:`assay.scorers.register_scorer`.
    """

    metric: ClassVar[str] = ""
    corpus_level: ClassVar[bool] = False
    spec: ScorerSpec

    def __repr__(self) -> str:
        spec = getattr(self, "spec", None)
        return f"<{type(self).__name__} {spec}>" if spec else f"<{type(self).__name__}>"

    def score_one(self, prediction: str, ground_truth: str,
                  metadata: dict | None = None) -> ExampleScores:  # pragma: no cover
        raise NotImplementedError

    def score_batch(self, predictions: Sequence[str], ground_truth: Sequence[str],
                    metadata: Sequence[dict | None] | None = None) -> list[ExampleScores]:
        """:meth:`score_one` for each example (presets may batch)."""
        md = check_lengths(predictions, ground_truth, metadata)
        return [self.score_one(p, g, m) for p, g, m in zip(predictions, ground_truth, md)]

    def aggregate(self, per_example: Sequence[Mapping[str, float]]) -> dict[str, float]:
        """Mean and ``_stderr`` of every key, NaN (failed) values skipped, plus ``n``.

        ``n`` is the number of examples with a finite value of :attr:`metric`;
        ``failed`` the number without one.
        """
        keys: list[str] = []
        for row in per_example:
            for k in row:
                if k not in keys:
                    keys.append(k)
        out: dict[str, float] = {}
        for k in keys:
            col = np.array([row.get(k, math.nan) for row in per_example], dtype=np.float64)
            out.update(mean_with_stderr(k, col))
        primary = np.array([r.get(self.metric, math.nan) for r in per_example], dtype=np.float64)
        n_ok = int(np.isfinite(primary).sum())
        out["n"] = float(n_ok)
        out["failed"] = float(len(per_example) - n_ok)
        return out

    def score(self, predictions: list[str], ground_truth: list[str],
              metadata: list[dict | None] | None = None) -> dict[str, float]:
        """Aggregate of :meth:`score_batch` (see :meth:`aggregate`)."""
        return self.aggregate(self.score_batch(predictions, ground_truth, metadata))

