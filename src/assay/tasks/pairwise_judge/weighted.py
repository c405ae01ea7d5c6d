"""Probability-weighted judge metrics (structured judges with verdict probabilities).

* ``weighted_winrate``: AlpacaEval-style, the mean over examples of ``P(B) + 0.5 * P(tie)``,
  each example's vector being the mean of its two passes' (backward mapped back); examples
  without a vector (an unparsed pass, no log-probabilities) are left out and ``n`` says how
  many counted. Seeded percentile bootstrap CI over examples
  (:func:`assay.stats.bootstrap.resampled_sums`, the run's seed).
* ``judge_calibration``: where human labels exist, how well the probability the judge gives
  its own reconciled outcome predicts agreement with the human:
  :func:`assay.stats.reliability.calibration_summary` with ``confidence = P(outcome)`` and
  ``correct = outcome == human label`` (examples with a label, a parsed outcome and a vector).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...stats.bootstrap import DEFAULT_RESAMPLES, resampled_sums

__all__ = ["weighted_winrate", "judge_calibration"]

DEFINITION = ("mean over examples of P(B) + 0.5*P(tie); per example the mean of the two "
              "passes' renormalised verdict probabilities (backward mapped to the original "
              "positions); percentile bootstrap over examples")


def weighted_winrate(probs: list[dict[str, float] | None], *, seed: int,
                     n_resamples: int = DEFAULT_RESAMPLES, level: float = 0.95) -> dict[str, Any]:
    rows = [p for p in probs if p is not None]
    out: dict[str, Any] = {"value": None, "lower": None, "upper": None, "n": len(rows),
                           "n_examples": len(probs), "mean_probs": None,
                           "n_resamples": n_resamples, "level": level, "seed": seed,
                           "definition": DEFINITION}
    if not rows:
        return out
    values = np.asarray([p["B"] + 0.5 * p["tie"] for p in rows], dtype=float)
    n = values.size
    means = resampled_sums(values, n_resamples, seed=seed) / n
    tail = (1.0 - level) / 2.0 * 100.0
    lo, hi = (float(v) for v in np.percentile(means, [tail, 100.0 - tail]))
    out.update(value=float(values.mean()), lower=lo, upper=hi,
               mean_probs={k: float(np.mean([p[k] for p in rows])) for k in ("A", "B", "tie")})
    return out


def judge_calibration(outcomes: list[str], human: list[str | None],
                      probs: list[dict[str, float] | None], *, seed: int) -> dict | None:
    from ...stats.reliability import calibration_summary

    conf, correct = [], []
    for o, h, p in zip(outcomes, human, probs):
        if h is None or p is None or o not in ("A", "B", "tie"):
            continue
        conf.append(min(1.0, max(0.0, float(p[o]))))
        correct.append(o == h)
    if not conf:
        return None
    out = calibration_summary(conf, correct, seed=seed)
    out["definition"] = ("confidence = the probability the judge gives the example's reconciled "
                         "outcome; correct = that outcome equals the human label")
    return out
