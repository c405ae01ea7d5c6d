"""The BenchItem: one benchmark question, built once and shown identically to every model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BenchItem"]


@dataclass(frozen=True, slots=True)
class BenchItem:
    """One scored item.

    Multiple choice by log-likelihood scores ``target_delimiter + choice`` after ``context``
    (or after ``contexts[i]`` when each choice has its own context, as in WinoGrande's
    partial scoring) for every choice (lm-evaluation-harness's ``acc``/``acc_norm``; ``acc_norm`` divides by
    ``len(choice)`` in characters). Generation sends ``prompt`` as the user message and
    extracts an answer compared with ``answer`` (a choice letter, a number, a LaTeX answer).

    ``gold_indices`` lists every correct choice (several for TruthfulQA mc2); for ordinary
    multiple choice it is ``(gold_index,)``. ``index`` is the item's position in the run.
    ``images`` go on the generation user message; only backends whose ``supports_images`` is
    true can run such items (the benchmark pipeline says so otherwise).
    """

    id: str                                  # stable: "<benchmark>/<subtask>/<doc id>"
    benchmark: str
    subtask: str                             # "" when the benchmark has no subtasks
    question: str                            # the question as a person reads it (records)
    index: int = 0
    context: str = ""                        # log-likelihood context (few-shot included)
    contexts: tuple[str, ...] = ()           # one context per choice (WinoGrande), else ()
    choices: tuple[str, ...] = ()            # choice texts, without the delimiter
    target_delimiter: str = " "
    gold_index: int = -1
    gold_indices: tuple[int, ...] = ()
    prompt: str = ""                         # generation prompt (few-shot, instructions)
    answer: str = ""                         # gold answer text for generation scoring
    choice_labels: tuple[str, ...] = ()      # ("A", "B", ...) for multiple choice by generation
    fewshot: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    #: ``data:image/<format>;base64,...`` URIs shown with ``prompt`` (MMMU); generation only
    images: tuple[str, ...] = ()

    @property
    def continuations(self) -> tuple[str, ...]:
        return tuple(self.target_delimiter + c for c in self.choices)

    def ll_pairs(self) -> list[tuple[str, str]]:
        """``(context, continuation)`` per choice, for a log-likelihood backend."""
        if self.contexts:
            return [(c, self.target_delimiter + ch) for c, ch in zip(self.contexts, self.choices)]
        return [(self.context, self.target_delimiter + ch) for ch in self.choices]

    @property
    def golds(self) -> tuple[int, ...]:
        return self.gold_indices or ((self.gold_index,) if self.gold_index >= 0 else ())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "benchmark": self.benchmark, "subtask": self.subtask,
            "question": self.question, "index": self.index, "context": self.context,
            "contexts": list(self.contexts),
            "choices": list(self.choices), "target_delimiter": self.target_delimiter,
            "gold_index": self.gold_index, "gold_indices": list(self.gold_indices),
            "prompt": self.prompt, "answer": self.answer,
            "choice_labels": list(self.choice_labels), "fewshot": self.fewshot,
            "metadata": self.metadata,
            **({"images": list(self.images)} if self.images else {}),
        }
