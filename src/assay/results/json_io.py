"""Strict JSON for every file assay writes.

Python's ``json`` writes ``NaN``, ``Infinity`` and ``-Infinity``, which are not JSON: strict
parsers (JavaScript, jq, Go, Rust, ``json.loads(..., parse_constant=<raise>)``) reject the
file. assay writes a non-finite float as ``null`` instead:

* in a record's ``metrics`` and ``metric_state``, and in every aggregate (``metrics.json``,
  ``results_*.json``), ``null`` means *not a number*: the metric is undefined for that
  example or group. A record's metric value that is ±inf is recorded as NaN
  (:func:`nan_if_not_finite`, applied when the record is made), so it is left out of
  aggregates exactly like NaN, and a run resumed from its unit files aggregates to the same
  numbers as the uninterrupted run;
* in ``loglikelihoods`` and token ``logprob`` fields, ``null`` means minus infinity
  (a continuation or token the model gives probability 0); those are the only non-finite
  values that appear there.

:func:`dumps_strict` costs nothing when the value has no non-finite float (the C encoder
checks while it writes; output is byte-identical to ``json.dumps`` with the same options).
:func:`restore_nonfinite` puts NaN / -inf back in a record read from disk, so aggregates
computed from reread records equal those computed from the records in memory.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps_strict", "clean_floats", "loads_record", "restore_nonfinite",
           "strict_loads", "nan_if_not_finite", "nan_if_not_finite_lists"]

_NAN = math.nan
_NEG_INF = -math.inf


def clean_floats(obj: Any) -> Any:
    """A copy of ``obj`` with every NaN/±inf float (at any depth) replaced by ``None``;
    tuples become lists (as JSON writes them)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean_floats(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_floats(v) for v in obj]
    return obj


def _is_inf(v: Any) -> bool:
    return isinstance(v, float) and math.isinf(v)


def nan_if_not_finite(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (metric name -> number) with ±inf replaced by NaN; the same object when
    there is none (the common case costs one ``sum``)."""
    try:
        if math.isfinite(sum(values.values())):
            return values
    except (TypeError, OverflowError):
        pass
    if not any(_is_inf(v) for v in values.values()):
        return values
    return {k: _NAN if _is_inf(v) else v for k, v in values.items()}


def nan_if_not_finite_lists(state: dict[str, list]) -> dict[str, list]:
    """:func:`nan_if_not_finite` for ``metric_state`` (name -> list of numbers)."""
    if not state:
        return state
    out = None
    for k, vals in state.items():
        try:
            if math.isfinite(sum(vals)):
                continue
        except (TypeError, OverflowError):
            pass
        if any(_is_inf(v) for v in vals):
            out = dict(state) if out is None else out
            out[k] = [_NAN if _is_inf(v) else v for v in vals]
    return state if out is None else out


_ENCODERS: dict[tuple, json.JSONEncoder] = {}


def _encoder(ensure_ascii: bool, indent: int | None, sort_keys: bool,
             separators: tuple[str, str] | None) -> json.JSONEncoder:
    key = (ensure_ascii, indent, sort_keys, separators)
    enc = _ENCODERS.get(key)
    if enc is None:
        enc = _ENCODERS[key] = json.JSONEncoder(ensure_ascii=ensure_ascii, indent=indent,
                                                sort_keys=sort_keys, separators=separators,
                                                allow_nan=False)
    return enc


def dumps_strict(obj: Any, *, ensure_ascii: bool = True, indent: int | None = None,
                 sort_keys: bool = False, separators: tuple[str, str] | None = None) -> str:
    """``json.dumps(obj, ...)`` that never writes ``NaN``/``Infinity``: non-finite floats
    become ``null``. Same bytes as ``json.dumps`` for values without them."""
    enc = _encoder(ensure_ascii, indent, sort_keys, separators)
    try:
        return enc.encode(obj)
    except ValueError:   # "Out of range float values are not JSON compliant"
        return enc.encode(clean_floats(obj))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def strict_loads(text: str | bytes) -> Any:
    """``json.loads`` that refuses ``NaN``/``Infinity`` (what a strict parser does)."""
    return json.loads(text, parse_constant=_reject_constant)


def restore_nonfinite(rec: Any) -> Any:
    """Undo :func:`dumps_strict` on one per-example record: ``null`` metric values and
    metric-state entries become NaN, ``null`` log-likelihoods and token logprobs become -inf.
    Other ``null`` fields mean what they always did. ``rec``'s top-level keys are updated in
    place (and ``rec`` returned); nested containers that change are replaced, not mutated.
    Anything but a dict is returned as it is (a corrupted line is the caller's to report)."""
    if not isinstance(rec, dict):
        return rec
    metrics = rec.get("metrics")
    if isinstance(metrics, dict) and None in metrics.values():
        rec["metrics"] = {k: _NAN if v is None else v for k, v in metrics.items()}
    state = rec.get("metric_state")
    if isinstance(state, dict) and any(isinstance(v, list) and None in v
                                       for v in state.values()):
        rec["metric_state"] = {k: [_NAN if x is None else x for x in v]
                               if isinstance(v, list) else v for k, v in state.items()}
    lls = rec.get("loglikelihoods")
    if isinstance(lls, list) and None in lls:
        rec["loglikelihoods"] = [_NEG_INF if v is None else v for v in lls]
    lps = rec.get("logprobs")
    if isinstance(lps, list) and any(_null_logprob(t) for t in lps):
        rec["logprobs"] = [_restore_token(t) for t in lps]
    return rec


def _null_logprob(tok: Any) -> bool:
    if not isinstance(tok, dict):
        return False
    if "logprob" in tok and tok["logprob"] is None:
        return True
    return any(isinstance(a, dict) and "logprob" in a and a["logprob"] is None
               for a in tok.get("top") or ())


def _restore_token(tok: Any) -> Any:
    if not _null_logprob(tok):
        return tok
    out = dict(tok)
    if "logprob" in out and out["logprob"] is None:
        out["logprob"] = _NEG_INF
    if out.get("top"):
        out["top"] = [dict(a, logprob=_NEG_INF) if isinstance(a, dict) and "logprob" in a
                      and a["logprob"] is None else a for a in out["top"]]
    return out


def loads_record(line: str | bytes) -> Any:
    """One record line of a unit file or ``examples.jsonl``, non-finite values restored
    (``json.loads`` errors propagate unchanged)."""
    return restore_nonfinite(json.loads(line))
