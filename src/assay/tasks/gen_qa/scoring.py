"""Scorer objects (presets and registered scorers) inside a run.

Per-example scorers (``corpus_level`` False: rouge, meteor, bertscore, json_schema) score each
example as it finishes; their values join the example's metrics as ``<label>`` (the primary
metric) and ``<label>.<key>``, and are averaged with a standard error like any mean metric.
Corpus-level scorers (classification presets, bleu) score the whole set of answered examples
once, at the end, and again within every group-by segment.

Intervals of the corpus-level values (:func:`scorer_metric`): the ``accuracy`` preset is a
proportion (its per-example ``correct`` values are 0/1) and gets the Wilson interval of
``round(accuracy * n)`` successes in ``n``; ``f1``/``precision``/``recall`` get
``value ± t·stderr`` clipped to [0, 1], ``bleu`` clipped to [0, 100]; a registered corpus
scorer may declare ``value_range = (lo, hi)`` and ``proportion = True``. Every interval
contains its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...analysis.stratify import interval
from ...config.recipe import ScorerEntry
from ...errors import ConfigError

__all__ = ["LoadedScorer", "load_scorers", "example_scores", "corpus_scores", "interval_kind",
           "scorer_metric"]


@dataclass(frozen=True)
class LoadedScorer:
    label: str
    scorer: Any

    @property
    def corpus_level(self) -> bool:
        return bool(getattr(self.scorer, "corpus_level", False))

    @property
    def primary(self) -> str:
        """The key reported under the bare label (classification presets: their own name,
        e.g. ``f1``; per-example scorers: their ``metric``)."""
        if self.corpus_level and getattr(self.scorer, "name", None):
            return self.scorer.name
        return getattr(self.scorer, "metric", "") or self.label

    def spec(self) -> dict:
        spec = getattr(self.scorer, "spec", None)
        return spec.to_dict() if spec is not None else {"name": self.label}

    def name_of(self, key: str) -> str:
        return self.label if key == self.primary else f"{self.label}.{key}"


def load_scorers(entries: Sequence[ScorerEntry], builtin: Sequence[str]) -> list[LoadedScorer]:
    """Resolve every entry to a scorer object once, when the run starts."""
    from ...scorers import create_scorer

    out, seen = [], set(builtin)
    for i, entry in enumerate(entries):
        if entry.key in seen:
            raise ConfigError(f"scorer label '{entry.key}' is already used; give it another "
                              f"'label'", field=f"assay.scorers[{i}].label")
        seen.add(entry.key)
        out.append(LoadedScorer(entry.key, create_scorer(entry.name, **entry.params)))
    return out


def example_scores(scorers: Sequence[LoadedScorer], prediction: str, gold: str,
                   metadata: dict | None, metrics: dict[str, float]) -> None:
    """Add the per-example scorers' values to ``metrics``."""
    for s in scorers:
        if s.corpus_level:
            continue
        for key, value in s.scorer.score_one(prediction, gold, metadata).items():
            metrics[s.name_of(key)] = float(value)


def _corpus(s: LoadedScorer, preds: list[str], golds: list[str], meta: list) -> dict[str, float]:
    values = s.scorer.score(preds, golds, meta) if preds else {}
    return {s.name_of(k): float(v) for k, v in values.items() if not k.endswith("_stderr")} | {
        (s.label + "_stderr" if k == s.primary + "_stderr" else s.name_of(k)): float(v)
        for k, v in values.items() if k.endswith("_stderr")}


def interval_kind(s: LoadedScorer) -> tuple[bool, tuple[float, float] | None]:
    """``(is_proportion, range)`` of a corpus-level scorer's primary value."""
    from ...scorers.bleu import BleuScorer
    from ...scorers.classification import ClassificationScorer

    sc = s.scorer
    if isinstance(sc, ClassificationScorer):
        return sc.name == "accuracy", (0.0, 1.0)
    if isinstance(sc, BleuScorer):
        return False, (0.0, 100.0)
    rng = getattr(sc, "value_range", None)
    return bool(getattr(sc, "proportion", False)), (float(rng[0]), float(rng[1])) if rng else None


def scorer_metric(s: LoadedScorer, values: dict[str, float], default_n: int) -> dict[str, Any]:
    """The ``{"value", "stderr", "ci_low", "ci_high", "n"}`` entry of a corpus-level scorer
    from its flat values (``label``, ``label_stderr``, ``label.n``)."""
    v = values.get(s.label, float("nan"))
    se = values.get(s.label + "_stderr", float("nan"))
    n = int(values.get(f"{s.label}.n", default_n))
    proportion, bounds = interval_kind(s)
    k = None
    if proportion and n > 0 and np.isfinite(v):
        k = min(max(int(round(v * n)), 0), n)
    lo, hi = interval(v, se, n, bounds=bounds, successes=k)
    return {"value": v, "stderr": se, "ci_low": lo, "ci_high": hi, "n": n}


def corpus_scores(scorers: Sequence[LoadedScorer], preds: list[str], golds: list[str],
                  meta: list, groups: dict[str, np.ndarray]) -> tuple[dict[str, float], dict]:
    """Overall values of the corpus-level scorers (flat, Nova-style) and per segment."""
    flat: dict[str, float] = {}
    by_group: dict[str, dict[str, dict[str, Any]]] = {}
    corpus = [s for s in scorers if s.corpus_level]
    for s in corpus:
        flat.update(_corpus(s, preds, golds, meta))
    for field, column in groups.items():
        segs: dict[str, dict[str, Any]] = {}
        for seg in sorted(set(column.tolist())):
            idx = np.flatnonzero(column == seg)
            sub_p = [preds[i] for i in idx]
            sub_g = [golds[i] for i in idx]
            sub_m = [meta[i] for i in idx]
            segs[seg] = {s.label: scorer_metric(s, _corpus(s, sub_p, sub_g, sub_m), len(idx))
                         for s in corpus}
        by_group[field] = segs
    return flat, by_group
