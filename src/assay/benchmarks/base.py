"""The Benchmark base class: what every benchmark module defines, and the shared item loop.

A benchmark module subclasses :class:`Benchmark`, fills in its class attributes (the
registry's properties) and implements two methods:

* ``load_docs(root, subtask, split)``: the split's rows as plain dicts, from the original
  layout or the Hugging Face layout under ``root`` (raise :class:`BenchmarkDataMissing`
  naming the files to put there when neither is found);
* ``make_item(doc, *, subtask, shots, method, cot, key)``: one :class:`BenchItem`.

Scoring has defaults: multiple choice by log-likelihood (``acc``, ``acc_norm``) and by
generation (answer-letter extraction); generation benchmarks override
``score_generation``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..errors import BenchmarkDataMissing
from .files import first_existing
from .item import BenchItem

__all__ = ["Benchmark", "METHODS", "argmax"]

METHODS = ("loglikelihood", "generate")


def argmax(values: Sequence[float]) -> int:
    """First index of the maximum (numpy's tie rule, which lm-evaluation-harness uses)."""
    best, best_i = -math.inf, 0
    for i, v in enumerate(values):
        if v > best:
            best, best_i = v, i
    return best_i


class Benchmark:
    """Base class of every benchmark. Class attributes are the registry's properties."""

    name: ClassVar[str]
    description: ClassVar[str]
    citation: ClassVar[str]
    subtasks: ClassVar[tuple[str, ...]] = ()
    metrics: ClassVar[tuple[str, ...]] = ("acc", "acc_norm")
    task_type: ClassVar[str] = "multiple_choice"     # multiple_choice | generation
    methods: ClassVar[tuple[str, ...]] = METHODS     # scoring paths this benchmark supports
    strategy: ClassVar[str] = "zs"                   # Nova strategy name of the default setup
    default_fewshot: ClassVar[int] = 0               # shots for few-shot (fs / fs_cot) strategies
    eval_split: ClassVar[str] = "test"
    fewshot_split: ClassVar[str | None] = None       # where few-shot exemplars come from
    num_samples: ClassVar[dict[str, int]] = {}       # evaluation-split rows per subtask ("" = all)
    dataset_info: ClassVar[dict[str, Any]] = {}      # hf_id, hf_config, revision, split, layouts
    modality: ClassVar[str] = "Text"
    #: scoring paths of single subtasks where they differ from ``methods``
    subtask_methods: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: stop sequences for generation (few-shot prompts that would run on into a new question)
    stop: ClassVar[tuple[str, ...]] = ()
    #: metrics averaged over units inside items rather than over items: metric → the key, in
    #: the item's ``metrics``, of its number of units (IFEval's instruction-level accuracy is
    #: a mean over instructions). The summary weights such a metric by that count and gives
    #: it a cluster (by item) standard error; the count itself is not reported as a metric.
    metric_weights: ClassVar[dict[str, str]] = {}
    #: scoring blocks (runs subprocesses: HumanEval's sandbox); the pipeline then scores in a
    #: worker thread so the event loop keeps serving other items
    score_in_thread: ClassVar[bool] = False

    # -- what modules implement ------------------------------------------------------------
    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        """One item serving every path in ``methods`` (``method`` is the requested setting,
        possibly ``auto``: the path is chosen per backend when the item runs)."""
        raise NotImplementedError

    # -- shared behaviour --------------------------------------------------------------------
    def require_file(self, root: Path, candidates: Sequence[str], missing: str) -> Path:
        """The first of ``candidates`` (relative to ``root``, globs allowed) that is a file;
        else :class:`BenchmarkDataMissing` with ``missing``, the one line that says which
        files to put there."""
        path = first_existing(root, list(candidates))
        if path is None:
            raise BenchmarkDataMissing(missing)
        return path

    def resolve_subtasks(self, requested: Sequence[str] | None) -> list[str]:
        """Requested subtasks in registry order; None or "ALL" means every subtask."""
        if not self.subtasks:
            return [""]
        if not requested or any(r.upper() == "ALL" for r in requested):
            return list(self.subtasks)
        unknown = [r for r in requested if r not in self.subtasks]
        if unknown:
            import difflib

            from ..errors import ConfigError
            close = difflib.get_close_matches(unknown[0], self.subtasks, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"benchmark {self.name} has no subtask '{unknown[0]}'{hint} "
                              f"({len(self.subtasks)} subtasks: `assay benchmarks show "
                              f"{self.name}`)", field="evaluation.subtask")
        return [s for s in self.subtasks if s in requested]

    def fewshot_docs(self, root: Path, subtask: str, k: int) -> list[dict[str, Any]]:
        """The first ``k`` rows of the few-shot split (deterministic, as lm-eval's
        ``first_n`` sampler); benchmarks with fixed exemplars override this."""
        if k <= 0:
            return []
        if self.fewshot_split is None:
            raise BenchmarkDataMissing(f"benchmark {self.name} has no few-shot split; "
                                       "use a zero-shot strategy")
        return self.load_docs(root, subtask, self.fewshot_split)[:k]

    def items(self, root: Path, subtasks: Sequence[str], *, num_fewshot: int, method: str,
              cot: bool, limit: int | None = None) -> list[BenchItem]:
        """Every item of the requested subtasks, in registry order, ``limit`` per subtask."""
        from dataclasses import replace

        out: list[BenchItem] = []
        for sub in subtasks:
            docs = self.load_docs(root, sub, self.eval_split)
            if limit is not None:
                docs = docs[:limit]
            shots = self.fewshot_docs(root, sub, num_fewshot)
            for i, doc in enumerate(docs):
                key = str(doc.get("id", i))
                item = self.make_item(doc, subtask=sub, shots=shots, method=method, cot=cot,
                                      key=key)
                out.append(replace(item, index=len(out), fewshot=len(shots)))
        return out

    def score_loglikelihood(self, item: BenchItem, lls: Sequence[float],
                            greedy: Sequence[bool]) -> dict[str, Any]:
        """``acc`` and ``acc_norm`` exactly as lm-evaluation-harness's multiple_choice (those
        of the two that ``metrics`` names)."""
        pred = argmax(lls)
        norm = [ll / max(len(c), 1) for ll, c in zip(lls, item.choices)]
        pred_norm = argmax(norm)
        golds = item.golds
        metrics = {"acc": float(pred in golds), "acc_norm": float(pred_norm in golds)}
        out: dict[str, Any] = {"pred_index": pred,
                               "metrics": {k: v for k, v in metrics.items() if k in self.metrics}}
        if "acc_norm" in self.metrics:
            out["pred_index_norm"] = pred_norm
        return out

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """Multiple choice by generation: the answer letter, compared with the gold letter."""
        from .extract import extract_choice_letter

        letter = extract_choice_letter(text, item.choice_labels)
        correct = letter is not None and letter == item.answer
        return {"extracted": letter, "metrics": {"acc": float(correct)}}

    def score_generations(self, item: BenchItem, texts: Sequence[str],
                          pass_k: Sequence[int] = (1,)) -> dict[str, Any]:
        """Scores of one item from several sampled generations (``assay.benchmark.samples``).
        One text: :meth:`score_generation` unchanged. Several: each is scored, every metric
        is the mean over the samples (the expected score of one sample), ``extracted`` is the
        first sample's and ``samples`` lists each sample's ``extracted`` and ``metrics``.
        Code benchmarks override this to report pass@k (:mod:`assay.benchmarks.passk`)."""
        if len(texts) == 1:
            return self.score_generation(item, texts[0])
        scored = [self.score_generation(item, t) for t in texts]
        names = list(dict.fromkeys(m for s in scored for m in s["metrics"]))
        means = {m: sum(float(s["metrics"].get(m, 0.0)) for s in scored) / len(scored)
                 for m in names}
        return {"extracted": scored[0].get("extracted"), "metrics": means,
                "samples": [{"extracted": s.get("extracted"), "metrics": dict(s["metrics"])}
                            for s in scored]}

    def properties(self) -> dict[str, Any]:
        """The SageMaker SDK's ``get_benchmark_properties`` keys plus assay's."""
        return {
            "name": self.name,
            "modality": self.modality,
            "description": self.description,
            "metrics": list(self.metrics),
            "strategy": self.strategy,
            "subtask_available": bool(self.subtasks),
            "subtasks": list(self.subtasks) or None,
            "citation": self.citation,
            "task_type": self.task_type,
            "methods": list(self.methods),
            "subtask_methods": {k: list(v) for k, v in self.subtask_methods.items()},
            "default_fewshot": self.default_fewshot,
            "num_samples": dict(self.num_samples),
            "dataset_info": dict(self.dataset_info),
        }
