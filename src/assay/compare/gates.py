"""Quality gates for CI: ``assay run --fail-under METRIC=VALUE`` and ``assay compare
--fail-on-regression [METRIC]``. A failed gate makes the command exit 5
(:data:`assay.cli.exit_codes.GATE_FAILED`).

``--fail-under`` reads a finished run's ``metrics.json``:

* gen_qa (and processor / scorer metrics): ``metrics[name]`` -> ``value``, ``ci_low``;
* benchmarks: ``overall[name]`` -> ``value``, ``ci_low``;
* judge runs (llm_judge, rubric_llm_judge): ``flat[name]``; ``winrate`` has its lower CI bound
  in ``flat["lower_rate"]``; other judge numbers (counts, rubric weighted scores) have a value
  only.

With ``mode="value"`` a gate fails when the value is below the threshold; with ``mode="ci"``
when the lower bound of the 95% CI is (the run must *show* it reaches the bar). A value that
is not a number (no example scored) fails the gate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

__all__ = ["Gate", "GATE_MODES", "parse_gate", "parse_gate_specs", "gate_values",
           "check_gates", "regressions"]

GATE_MODES = ("value", "ci")
_JUDGE_CI = {"winrate": "lower_rate"}


@dataclass(frozen=True)
class Gate:
    metric: str
    threshold: float


def parse_gate(spec: str, *, option: str = "--fail-under") -> Gate:
    """``METRIC=VALUE`` with a finite number; a one-line :class:`ConfigError` otherwise."""
    name, sep, value = str(spec).partition("=")
    name = name.strip()
    if not sep or not name:
        raise ConfigError(f"expected METRIC=VALUE, got {spec[:80]!r}", field=option)
    try:
        threshold = float(value.strip())
    except ValueError:
        threshold = math.nan
    if not math.isfinite(threshold):
        raise ConfigError(f"{spec[:80]!r}: the threshold must be a finite number",
                          field=option)
    return Gate(name, threshold)


def parse_gate_specs(specs: list[str] | None, *, option: str = "--fail-under") -> list[Gate]:
    """Every spec parsed (call before a run starts, so a typo costs no model call)."""
    return [parse_gate(s, option=option) for s in specs or []]


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def gate_values(summary: dict[str, Any], mode: str) -> dict[str, float | None]:
    """The number each metric of a run's ``metrics.json`` is gated on in ``mode``
    (None: not a number)."""
    if mode not in GATE_MODES:
        raise ConfigError(f"unknown gate mode {mode!r} (choose {', '.join(GATE_MODES)})",
                          field="--gate")
    key = "value" if mode == "value" else "ci_low"
    for section in ("overall", "metrics"):     # benchmarks, then gen_qa and the like
        block = summary.get(section)
        if isinstance(block, dict) and block and all(isinstance(v, dict)
                                                     for v in block.values()):
            return {str(name): _num(m.get(key)) for name, m in block.items()}
    flat = summary.get("flat") if isinstance(summary.get("flat"), dict) else {}
    if mode == "ci":
        return {name: _num(flat.get(bound)) for name, bound in _JUDGE_CI.items()
                if name in flat}
    bounds = set(_JUDGE_CI.values()) | {"upper_rate"}
    return {str(k): _num(v) for k, v in flat.items()
            if not str(k).endswith("_stderr") and k not in bounds}


def check_gates(summary: dict[str, Any], specs: list[str], mode: str = "value") -> list[str]:
    """Failure messages of the ``METRIC=VALUE`` gates on a run's ``metrics.json`` summary
    (empty when every gate holds). An unknown metric is a :class:`ConfigError` naming the
    available ones."""
    gates = parse_gate_specs(specs)
    values = gate_values(summary, mode)
    failures = []
    for gate in gates:
        if gate.metric not in values:
            what = "metrics with a confidence interval" if mode == "ci" else "metrics"
            raise ConfigError(f"unknown metric {gate.metric[:80]!r} for this run; {what}: "
                              f"{', '.join(values) or 'none'}", field="--fail-under")
        v = values[gate.metric]
        shown = "lower 95% CI bound" if mode == "ci" else "value"
        if v is None or not math.isfinite(v):
            failures.append(f"{gate.metric}: {shown} is not a number (nothing scored); "
                            f"needs >= {gate.threshold:g}")
        elif v < gate.threshold:
            failures.append(f"{gate.metric}: {shown} {v:.4g} < {gate.threshold:g}")
    return failures


def regressions(comparison: dict[str, Any], metric: str | None = None) -> list[str]:
    """``--fail-on-regression``: the metrics of a comparison (comparison.json) on which B is
    significantly worse. ``metric`` None checks the primary metric, ``"all"`` every metric;
    an unknown name is a :class:`ConfigError`."""
    from .verdict import WORSE, verdict_line

    metrics = comparison["metrics"]
    if metric is None:
        names = [comparison["primary_metric"]]
    elif metric == "all":
        names = list(metrics)
    elif metric in metrics:
        names = [metric]
    else:
        raise ConfigError(f"unknown metric {metric[:80]!r}; compared: {', '.join(metrics)}, "
                          "or all", field="--fail-on-regression")
    return [verdict_line(n, metrics[n]) for n in names if metrics[n]["verdict"] == WORSE]
