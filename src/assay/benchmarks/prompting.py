"""Prompt pieces shared by benchmarks: few-shot joining and multiple choice by generation."""

from __future__ import annotations

import string
from collections.abc import Sequence

__all__ = ["LETTERS", "fewshot_context", "mc_generation_prompt", "answer_instruction"]

LETTERS = tuple(string.ascii_uppercase)

#: the last line a generation answer must have (simple-evals style), parsed by extract.py
answer_instruction = ("The last line of your response must be of the form 'Answer: $LETTER' "
                      "(without quotes) where LETTER is one of {letters}.")


def fewshot_context(shots: Sequence[str], query: str, *, description: str = "",
                    delimiter: str = "\n\n") -> str:
    """lm-evaluation-harness's layout: description, then solved shots and the query joined by
    ``delimiter`` (each shot already ends with its answer)."""
    return description + "".join(s + delimiter for s in shots) + query


def mc_generation_prompt(question: str, choices: Sequence[str], *, cot: bool,
                         labels: Sequence[str] | None = None, preamble: str = "",
                         shots: Sequence[str] = ()) -> str:
    """A user message asking for one letter: the question, lettered choices, and the answer
    line to end with; ``cot`` asks to think step by step first."""
    labels = list(labels or LETTERS[: len(choices)])
    body = question.rstrip() + "\n\n" + "\n".join(f"{l}) {c}" for l, c in zip(labels, choices))
    letters = ", ".join(labels[:-1]) + f" or {labels[-1]}" if len(labels) > 1 else labels[0]
    how = ("Think step by step, then answer. " if cot else "Answer directly, without "
           "explanation. ")
    head = (preamble.rstrip() + "\n\n") if preamble else ""
    solved = "".join(s.rstrip() + "\n\n" for s in shots)
    return f"{head}{solved}{body}\n\n{how}{answer_instruction.format(letters=letters)}"
