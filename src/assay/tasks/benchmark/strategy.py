"""How a benchmark run is scored: the strategy recorded in its results, chain of thought on or
off, the scoring method asked of every item, and why (docs/benchmarks.md, "Strategy and
scoring method").

The rules, in order:

* a method forced with ``--method`` / ``assay.benchmark.method`` is honoured; log-likelihood
  has no chain of thought, so a ``*_cot`` strategy is then recorded as ``zs`` / ``fs``;
* a recipe strategy ``zs_cot`` / ``fs_cot`` (or ``assay.benchmark.cot: true``) means generation
  with chain of thought and answer extraction, as the Nova container scores it;
* a recipe strategy ``zs`` / ``fs`` means log-likelihood where the benchmark and the backend
  allow it (the backend is known only when the run starts: ``method`` stays ``auto``), else
  generation answering directly;
* no strategy: log-likelihood as lm-evaluation-harness does, recorded as ``zs`` (``fs`` with
  ``--num-fewshot`` K > 0); a generation-only benchmark (gsm8k, math, bbh) takes its own
  default strategy (``assay benchmarks show NAME``).

The strategy recorded is always the one that ran: ``custom|mmlu_zs_cot|0`` only for chain of
thought by generation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...benchmarks.base import Benchmark
from ...errors import ConfigError

__all__ = ["Scoring", "resolve_scoring", "scoring_note"]

_NOVA = "as the Nova container"
_LM_EVAL = "as lm-evaluation-harness"


@dataclass(frozen=True)
class Scoring:
    """The run's scoring decision. ``method`` is what every item asks for: ``auto`` (log-
    likelihood where the backend can score continuations, else generation), ``loglikelihood``
    or ``generate``. ``reason`` says why, in words (the console line and ``metrics.json``)."""

    strategy: str
    cot: bool
    method: str
    reason: str
    requested_strategy: str | None
    requested_method: str
    #: some subtask of the run can be scored by log-likelihood
    loglikelihood_possible: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "cot": self.cot, "method": self.method,
                "reason": self.reason, "requested_strategy": self.requested_strategy,
                "requested_method": self.requested_method}


def _allowed(bench: Benchmark, subtask: str) -> tuple[str, ...]:
    return tuple(getattr(bench, "subtask_methods", {}).get(subtask, bench.methods))


def _where(bench: Benchmark, subtask: str) -> str:
    return f"{bench.name}:{subtask}" if subtask else bench.name


def resolve_scoring(bench: Benchmark, subtasks: Sequence[str], *, strategy: str | None,
                    method: str, cot: bool | None, num_fewshot: int | None) -> Scoring:
    """The scoring of a run of ``bench`` on ``subtasks`` from the recipe's strategy (None when
    it gives none), ``assay.benchmark.method``, ``assay.benchmark.cot`` and ``num_fewshot``.
    A contradiction the run cannot honour is a :class:`ConfigError` before any model call."""
    allowed = {s: _allowed(bench, s) for s in subtasks}
    ll_somewhere = any("loglikelihood" in a for a in allowed.values())
    # without a strategy, --num-fewshot K says zero- or few-shot
    shot_base = None if num_fewshot is None else ("fs" if num_fewshot > 0 else "zs")

    def make(recorded: str, use_cot: bool, how: str, reason: str) -> Scoring:
        return Scoring(recorded, use_cot, how, reason, strategy, method, ll_somewhere)

    if method != "auto":
        for sub, a in allowed.items():
            if method not in a:
                raise ConfigError(f"{_where(bench, sub)} cannot be scored by {method} (it "
                                  f"supports: {', '.join(a)})", field="assay.benchmark.method")
        if method == "loglikelihood":
            base = strategy[:2] if strategy else (shot_base or "zs")
            reason = "method loglikelihood requested"
            if (strategy or "").endswith("_cot") or cot:
                reason += (f"; log-likelihood has no chain of thought, so strategy "
                           f"{strategy or base + '_cot'} is recorded as {base}")
            return make(base, False, "loglikelihood", reason)
        chosen = strategy or bench.strategy
        use_cot = cot if cot is not None else chosen.endswith("_cot")
        base = strategy[:2] if strategy else (shot_base or chosen[:2])
        recorded = base + ("_cot" if use_cot else "")
        origin = (f"strategy {strategy}" if strategy
                  else f"no strategy given: {bench.name}'s default {recorded}")
        return make(recorded, use_cot, "generate", f"method generate requested; {origin}")

    if strategy is not None or cot or not ll_somewhere:
        chosen = strategy or bench.strategy
        use_cot = cot if cot is not None else chosen.endswith("_cot")
        base = strategy[:2] if strategy else (shot_base or chosen[:2])
        recorded = base + ("_cot" if use_cot else "")
        if strategy is not None:
            origin = f"recipe strategy {strategy}"
        elif cot:
            origin = "assay.benchmark.cot is on"
        else:
            origin = f"no strategy given: {bench.name}'s default {recorded}"
        if recorded != (strategy or recorded):
            origin += f", recorded as {recorded} (assay.benchmark.cot)"
        if use_cot:
            for sub, a in allowed.items():
                if "generate" not in a:
                    raise ConfigError(
                        f"strategy {recorded} asks for chain of thought, which needs generation, "
                        f"and {_where(bench, sub)} is scored by log-likelihood only; use "
                        f"strategy {base} or other subtasks", field="evaluation.strategy")
            return make(recorded, True, "generate", f"{origin}, {_NOVA}")
        if not ll_somewhere:
            return make(recorded, False, "generate",
                        f"{origin}; {bench.name} is scored by generation only")
        return make(recorded, False, "auto", origin)
    recorded = shot_base or "zs"
    return make(recorded, False, "auto", f"no strategy given: {recorded}, {_LM_EVAL}")


def _ran(methods: Mapping[str, int], cot: bool) -> str:
    gen = "generation with chain of thought" if cot else "generation, answering directly"
    names = {"loglikelihood": "log-likelihood", "generate": gen}
    if len(methods) == 1:
        return names.get(next(iter(methods)), next(iter(methods)))
    return ", ".join(f"{names.get(k, k)} ({v} items)" for k, v in methods.items()) or "nothing"


def scoring_note(scoring: Scoring, methods: Mapping[str, int], model: str) -> str:
    """The one line on how the run was scored and why, from the methods the items ran."""
    why = scoring.reason
    if scoring.method == "auto" and methods.get("generate"):
        why += f"; {model} cannot score continuations by log-likelihood"
    if scoring.requested_method == "auto":
        if methods.get("loglikelihood") and not methods.get("generate"):
            why += ("; --strategy zs_cot to generate with chain of thought"
                    if scoring.requested_strategy is None else "; --method generate to change")
        elif scoring.method == "generate" and scoring.loglikelihood_possible:
            why += "; --method loglikelihood to change"
    return f"scoring: {_ran(methods, scoring.cot)} ({why})"
