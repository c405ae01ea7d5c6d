"""A third-party scorer as a plugin would ship it (loaded through a fake entry point)."""

from __future__ import annotations

from assay.scorers import BaseScorer, ExampleScores


class Shouty(BaseScorer):
    """Share of upper-case letters in the prediction."""

    metric = "shouty"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def score_one(self, prediction, ground_truth, metadata=None):
        letters = [c for c in prediction if c.isalpha()]
        share = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
        return ExampleScores({"shouty": float(share >= self.threshold)})


def length_ratio(*, cap: float = 2.0):
    """A factory function returning a plain object with only ``score``."""

    class LengthRatio:
        def score(self, predictions, ground_truth, metadata=None):
            total = sum(len(p) for p in predictions) / max(sum(len(g) for g in ground_truth), 1)
            return {"length_ratio": min(total, cap)}

    return LengthRatio()
