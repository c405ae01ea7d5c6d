"""Strict and loose instruction following of one response, as the reference's
``test_instruction_following_strict`` / ``_loose`` (Google's ``evaluation_lib``, also
lm-evaluation-harness's ``tasks/ifeval/utils.py``).

Strict: each instruction is checked on the response. Loose: an instruction is followed when
it holds for any of eight variants: the response; without its first line; without its last
line; without both; and each of those four with every ``*`` removed. An empty (or
whitespace-only) response follows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .checkers import CHECKERS

__all__ = ["Following", "loose_variants", "follow_instructions"]


@dataclass(frozen=True)
class Following:
    """Per instruction, in the row's order: followed strictly, followed loosely."""

    strict: tuple[bool, ...]
    loose: tuple[bool, ...]

    @property
    def prompt_strict(self) -> bool:
        return all(self.strict)

    @property
    def prompt_loose(self) -> bool:
        return all(self.loose)


def loose_variants(response: str) -> list[str]:
    """The reference's eight variants, in its order."""
    lines = response.split("\n")
    first = "\n".join(lines[1:]).strip()
    last = "\n".join(lines[:-1]).strip()
    both = "\n".join(lines[1:-1]).strip()
    return [response, response.replace("*", ""), first, last, both,
            first.replace("*", ""), last.replace("*", ""), both.replace("*", "")]


def follow_instructions(response: str, instruction_ids: Sequence[str],
                        kwargs: Sequence[Mapping[str, Any]]) -> Following:
    """Strict and loose following of every instruction (``kwargs`` already prepared by
    :func:`assay.benchmarks.ifeval_checks.checkers.prepare`)."""
    others = [v for v in loose_variants(response)[1:] if v.strip()]
    strict, loose = [], []
    for iid, kw in zip(instruction_ids, kwargs, strict=True):
        check = CHECKERS[iid].check
        s = bool(response.strip()) and bool(check(response, **kw))
        strict.append(s)
        loose.append(s or any(bool(check(v, **kw)) for v in others))
    return Following(tuple(strict), tuple(loose))
