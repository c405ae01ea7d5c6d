"""Judge reliability: each example x metric judged ``K`` times (``--judge-samples K``,
``judge.samples``).

With ``K = 1`` nothing changes: one request, the run's settings. With ``K > 1``:

* every sample is sampled, not greedy: the judge's temperature is ``inference.temperature``
  when that is above 0, else :data:`SAMPLE_TEMPERATURE` (0.7; ``metrics.json`` says which);
* sample ``s`` (0-based) has the seed :func:`sample_seed` ``(run seed, s)``: the run seed for
  ``s = 0``, a stable hash of both for the others, so the requests (and response cache keys,
  which hold the seed) differ per sample and a rerun asks the same ones;
* the request id is ``<example id>:<metric>#<s>`` (a ``mock/script`` judge answers each).

The example's rating (:func:`combine`) is the **mean of the scored samples' scores**; beside
it ``sd`` (the samples' standard deviation, n - 1 denominator; ``None`` under two scored
samples), ``range`` (max - min), the modal label (ties: first given) and ``samples`` (each
sample's rating and seed).
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from typing import Any

__all__ = ["SAMPLE_TEMPERATURE", "sample_seed", "sample_temperature", "combine", "reliability"]

#: the judge's temperature for ``K > 1`` samples when ``inference.temperature`` is 0
SAMPLE_TEMPERATURE = 0.7


def sample_seed(seed: int, s: int) -> int:
    """The seed of judge sample ``s``: ``seed`` itself for sample 0, else a stable hash of
    ``(seed, s)`` below 2**31."""
    if s == 0:
        return int(seed)
    digest = hashlib.blake2b(f"assay-judge-sample:{int(seed)}:{s}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big") % (2 ** 31)


def sample_temperature(k: int, temperature: float) -> tuple[float, str]:
    """``(temperature of the judge samples, where it comes from)``."""
    if k <= 1:
        return float(temperature), "inference.temperature"
    if temperature > 0:
        return float(temperature), "inference.temperature"
    return SAMPLE_TEMPERATURE, (f"default {SAMPLE_TEMPERATURE} for judge.samples > 1 "
                                "(inference.temperature is 0)")


_ORDER = ("scored", "not_applicable", "unparseable", "failed", "skipped")


def combine(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """One example's rating from its ``K > 1`` sample ratings (see the module docstring).
    ``status``: ``scored`` when any sample scored, else the first of not_applicable,
    unparseable, failed that any sample has."""
    scored = [r for r in samples if r["status"] == "scored" and r["score"] is not None]
    present = {r["status"] for r in samples}
    status = next((s for s in _ORDER if s in present), "failed")
    if scored:
        scores = [r["score"] for r in scored]
        first = Counter(r["label"] for r in scored).most_common()
        top = max(n for _l, n in first)
        label = next(r["label"] for r in scored if dict(first)[r["label"]] == top)
        pick = next(r for r in scored if r["label"] == label)
    else:
        scores, pick = [], next(r for r in samples if r["status"] == status)
    weighted = [r["weighted_score"] for r in scored if r.get("weighted_score") is not None]
    out = {"status": status}
    out.update({k: pick.get(k) for k in ("label", "value")})
    out.update({
        "score": statistics.fmean(scores) if scores else None,
        **{k: pick.get(k) for k in ("explanation", "raw", "problem")},
        "weighted_score": statistics.fmean(weighted) if weighted else None,
        "label_probs": pick.get("label_probs"),
        "sd": statistics.stdev(scores) if len(scores) >= 2 else None,
        "range": (max(scores) - min(scores)) if scores else None,
        "n_samples": len(samples), "n_scored": len(scores),
        "n_unparseable": sum(r["status"] == "unparseable" for r in samples),
        "n_failed": sum(r["status"] == "failed" for r in samples),
        "samples": samples,
    })
    if status == "scored":
        out["problem"] = None
    return out


def _icc1(rows: list[list[float]]) -> float | None:
    """ICC(1) of a one-way random-effects ANOVA over examples with the same number (>= 2) of
    scored samples: ``(MSB - MSW) / (MSB + (k - 1) MSW)``; ``None`` when undefined."""
    if len(rows) < 2:
        return None
    k = len(rows[0])
    grand = statistics.fmean(x for r in rows for x in r)
    means = [statistics.fmean(r) for r in rows]
    msb = k * sum((m - grand) ** 2 for m in means) / (len(rows) - 1)
    msw = sum((x - m) ** 2 for r, m in zip(rows, means) for x in r) / (len(rows) * (k - 1))
    denom = msb + (k - 1) * msw
    return None if denom <= 0 else (msb - msw) / denom


def reliability(ratings: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """Per metric over some examples' combined ratings: ``mean_sd`` (mean within-example SD
    over examples with >= 2 scored samples), ``mean_range``, ``share_disagree`` (share of those
    examples whose scored samples do not all give the same label), ``icc`` (ICC(1) over the
    examples with all ``k`` samples scored; ``None`` when undefined), and the sample counts."""
    multi = [r for r in ratings if (r.get("n_scored") or 0) >= 2]
    sds = [r["sd"] for r in multi]
    full = [[x["score"] for x in r["samples"] if x["status"] == "scored"]
            for r in ratings if r.get("n_scored") == k]
    return {
        "k": k, "n_examples": len(multi),
        "mean_sd": statistics.fmean(sds) if sds else None,
        "mean_range": statistics.fmean(r["range"] for r in multi) if multi else None,
        "share_disagree": (sum(len({x["label"] for x in r["samples"]
                                    if x["status"] == "scored"}) > 1 for r in multi)
                           / len(multi)) if multi else None,
        "icc": _icc1(full) if k >= 2 else None,
        "n_samples": sum(r.get("n_samples") or 0 for r in ratings),
        "n_unparseable_samples": sum(r.get("n_unparseable") or 0 for r in ratings),
        "n_failed_samples": sum(r.get("n_failed") or 0 for r in ratings),
    }
