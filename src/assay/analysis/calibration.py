"""Per-run confidence calibration of a gen_qa run (feature L3): ``metrics.json["calibration"]``.

:class:`CalibrationCollector` is fed the run's records in dataset order (streaming: a few
floats per example, plus the few examples its lists may show) and :meth:`finish` computes

* which per-example metric says "correct" (``assay.calibration.metric``, default the first
  per-example metric, in reported order, whose scored values are all 0 or 1) and which
  confidence is used (``assay.calibration.confidence``, see
  :meth:`assay.analysis.confidence.Confidence.value`);
* ``overall``: the :func:`assay.stats.reliability.calibration_summary` of the (confidence,
  correct) pairs (ECE equal-width and equal-mass, Brier, AUROC with bootstrap intervals seeded
  by the recipe seed, reliability bins); an example without a confidence or a metric value is
  dropped (counted in ``n_dropped``);
* ``lowest_confidence``: the ``low_confidence_k`` examples of lowest confidence (ascending,
  ties by dataset index; ``correct`` is ``null`` for one without a metric value);
  ``overconfident_errors``: wrong answers with confidence >= ``overconfident_threshold``, most
  confident first (ties by index), at most ``low_confidence_k`` of them, their total in
  ``n_overconfident_errors``. Each entry: ``id, index, confidence, correct, prediction`` (the
  first :data:`EXCERPT_CHARS` characters, whitespace collapsed);
* ``groups``: the same summary per segment of every ``assay.group_by`` field.

When calibration cannot be computed the block is ``{"skipped": <reason>, ...}``: no example
has token logprobs (``inference.top_logprobs`` is 0), no per-example 0/1 metric, or no example
has the chosen confidence.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..stats.reliability import calibration_summary
from .confidence import Confidence
from .stratify import group_value

__all__ = ["CalibrationCollector", "EXCERPT_CHARS"]

EXCERPT_CHARS = 120


def _excerpt(text: Any) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= EXCERPT_CHARS else s[:EXCERPT_CHARS - 1] + "…"


class CalibrationCollector:
    """Streams a run's records, then :meth:`finish` returns the ``calibration`` block."""

    def __init__(self, config: Any, group_by: Sequence[str], *, seed: int = 0) -> None:
        self.config = config
        self.kind = config.confidence
        self.k = int(config.low_confidence_k)
        self.threshold = float(config.overconfident_threshold)
        self.group_by = list(group_by)
        self.seed = int(seed)
        self.n = 0
        self.n_logprobs = 0
        self.sources: Counter[str] = Counter()
        # the confidence and metric columns start at the first example with a confidence
        # (NaN before it: those rows are dropped from every summary anyway), so a run without
        # logprobs keeps no column at all; whether a metric is 0/1 is followed for every row
        self._started = False
        self._conf = array("d")
        self._values: dict[str, array] = {}
        self._metrics: dict[str, None] = {}      # every metric seen, in order
        self._has_value: set[str] = set()
        self._not_binary: set[str] = set()
        self._codes: dict[str, list[str]] = {f: [] for f in self.group_by}
        # bounded candidate lists: (-conf, -index) max-heap keeps the k lowest confidences;
        # per metric, (conf, -index) min-heap keeps the k most confident errors
        self._low: list[tuple[float, int]] = []
        self._over: dict[str, list[tuple[float, int]]] = {}
        self._n_over: Counter[str] = Counter()
        self._shown: dict[int, tuple[str, str]] = {}

    # -- streaming ------------------------------------------------------------------------
    def add(self, rec: dict[str, Any]) -> None:
        i = self.n
        self.n += 1
        if rec.get("logprobs"):
            self.n_logprobs += 1
        conf = Confidence.from_dict(rec.get("confidence"))
        c = conf.value(self.kind)
        if c is not None and not (0.0 <= c <= 1.0):
            c = min(max(c, 0.0), 1.0) if math.isfinite(c) else None
        if c is not None and self.kind == "auto":
            self.sources["label" if conf.label_probability is not None else "first_token"] += 1
        metrics = rec.get("metrics") or {}
        for name, v in metrics.items():
            if name not in self._metrics:
                self._metrics[name] = None
            if v is not None:
                v = float(v)
                if v == v:   # not NaN
                    self._has_value.add(name)
                    if v != 0.0 and v != 1.0:
                        self._not_binary.add(name)
        if c is not None and not self._started:
            self._started = True
            self._conf = array("d", [math.nan]) * i
        if self._started:
            self._conf.append(math.nan if c is None else float(c))
            for name in self._metrics:
                if name not in self._values:
                    self._values[name] = array("d", [math.nan]) * i
            for name, col in self._values.items():
                v = metrics.get(name)
                col.append(math.nan if v is None else float(v))
        for f in self.group_by:
            self._codes[f].append(group_value(rec.get("metadata"), f))
        if c is None:
            return
        keep = False
        if self.k:
            item = (-c, -i)
            if len(self._low) < self.k:
                heapq.heappush(self._low, item)
                keep = True
            elif item > self._low[0]:
                heapq.heapreplace(self._low, item)
                keep = True
            if c >= self.threshold:
                for name, v in metrics.items():
                    if v is not None and float(v) == 0.0:
                        self._n_over[name] += 1
                        heap = self._over.setdefault(name, [])
                        item = (c, -i)
                        if len(heap) < self.k:
                            heapq.heappush(heap, item)
                            keep = True
                        elif item > heap[0]:
                            heapq.heapreplace(heap, item)
                            keep = True
        else:
            if c >= self.threshold:
                for name, v in metrics.items():
                    if v is not None and float(v) == 0.0:
                        self._n_over[name] += 1
        if keep:
            self._shown[i] = (str(rec.get("id")), _excerpt(rec.get("prediction")))
            if len(self._shown) > 4 * self.k * (2 + len(self._over)):
                self._prune()

    def _prune(self) -> None:
        live = {-i for _c, i in self._low}
        for heap in self._over.values():
            live.update(-i for _c, i in heap)
        self._shown = {i: v for i, v in self._shown.items() if i in live}

    # -- the result -----------------------------------------------------------------------
    def _binary(self, name: str) -> bool:
        return name in self._has_value and name not in self._not_binary

    def _choose_metric(self, order: Sequence[str]) -> tuple[str | None, str | None]:
        """``(metric, None)`` or ``(None, reason)``."""
        wanted = self.config.metric
        if wanted:
            if wanted not in self._metrics:
                return None, (f"assay.calibration.metric '{wanted}' is not a per-example "
                              "metric of this run")
            if not self._binary(wanted):
                return None, (f"assay.calibration.metric '{wanted}' has values other than "
                              "0 and 1")
            return wanted, None
        names = [m for m in order if m in self._metrics] + \
            [m for m in self._metrics if m not in order]
        for name in names:
            if self._binary(name):
                return name, None
        return None, ("no per-example metric has only 0/1 values; name one in "
                      "assay.calibration.metric")

    def _summary(self, p: np.ndarray, y: np.ndarray) -> dict:
        return calibration_summary(p.tolist(), y.tolist(), n_bins=int(self.config.n_bins),
                                   seed=self.seed)

    def _entries(self, items: list[tuple[int, float]], y: np.ndarray) -> list[dict]:
        out = []
        for i, c in items:
            ident, text = self._shown[i]
            yi = y[i]
            out.append({"id": ident, "index": i, "confidence": c,
                        "correct": None if math.isnan(yi) else int(yi), "prediction": text})
        return out

    def finish(self, metric_order: Sequence[str] = ()) -> dict[str, Any]:
        """The ``calibration`` block of metrics.json (see the module docstring)."""
        head: dict[str, Any] = {"metric": self.config.metric, "confidence": self.kind,
                                "n_bins": int(self.config.n_bins),
                                "overconfident_threshold": self.threshold}
        if not self.n_logprobs:
            return {"skipped": "no example has token logprobs; set inference.top_logprobs "
                               "to 1 or more", **head}
        metric, reason = self._choose_metric(metric_order)
        if metric is None:
            return {"skipped": reason, **head}
        head["metric"] = metric
        head["metric_source"] = "recipe" if self.config.metric else "default"
        if not self._started:   # no example has a confidence: every p is NaN
            p = y = np.full(self.n, np.nan)
        else:
            p = np.frombuffer(self._conf, dtype=np.float64)
            y = np.frombuffer(self._values[metric], dtype=np.float64)
        if not np.any(~np.isnan(p) & ~np.isnan(y)):
            what = {"label": "a label probability (needs assay.response_choices or a "
                             "response_schema enum)",
                    "first_token": "a first-token probability", "mean_token": "a mean token "
                    "logprob", "auto": "a confidence"}[self.kind]
            return {"skipped": f"no scored example has {what}", **head}
        if self.kind == "auto":
            head["confidence_sources"] = dict(sorted(self.sources.items()))
        low = sorted(((-i, -c) for c, i in self._low), key=lambda t: (t[1], t[0]))
        over = sorted(((-i, c) for c, i in self._over.get(metric, [])),
                      key=lambda t: (-t[1], t[0]))
        groups: dict[str, dict[str, Any]] = {}
        for field in self.group_by:
            column = np.asarray(self._codes[field], dtype=object)
            groups[field] = {seg: self._summary(p[column == seg], y[column == seg])
                             for seg in sorted(set(self._codes[field]))}
        return {**head, "overall": self._summary(p, y),
                "lowest_confidence": self._entries(low, y),
                "overconfident_errors": self._entries(over, y),
                "n_overconfident_errors": int(self._n_over.get(metric, 0)),
                "groups": groups}
