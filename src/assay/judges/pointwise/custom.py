"""Bedrock ``customMetricDefinition`` JSON: reading, validating, writing back.

Accepted shapes (a file or an already-parsed value):

* ``{"customMetricDefinition": {...}}`` (Bedrock's file and API form; the sample's shape);
* the bare definition ``{...}``;
* a list of either (the SageMaker SDK's ``custom_metrics`` JSON string is such a list);
* ``{"customMetrics": [...]}`` (the ``customMetricConfig`` of a ``create_evaluation_job`` request).

A definition holds ``name`` (API form) or ``metricName`` (console upload form), ``instructions``
and an optional ``ratingScale``. Bedrock's limits are enforced (formats.md §2.5): the name is 1-63
characters matching ``^[0-9a-zA-Z-_.]+$``; instructions are 1-5,000 characters; a scale has 1-10
items ``{"definition": str (1-100 chars), "value": {"floatValue": number} | {"stringValue": str}}``,
all float or all string, never mixed; a run has at most 10 custom metrics. The instructions may use
only the template variables of §2.5: ``{{prompt}}``, ``{{prediction}}``, ``{{ground_truth}}`` for
model evaluation (plus ``{{context}}`` and ``{{reference_contexts}}`` for RAG), and must show the
response (``{{prediction}}``; for RAG ``{{prediction}}`` or ``{{context}}``). assay also rejects
unknown keys, and duplicate values or definitions within a scale (they would make the judge's
answer ambiguous).

Every violation is a one-line :class:`~assay.errors.ConfigError` naming the file and the JSON
field relative to the definition, e.g. ``comprehensiveness.json: field 'ratingScale[2].value':
...`` (prefixed by the list position, ``[3].ratingScale[2].value``, in a list).

When a scale is given, the rendered prompt gets the scale and the output instructions appended
(:meth:`JudgeMetric.render_prompt`), so definitions should not repeat the scale. A float scale
is normalised by value, a string scale by its order, first item = top score (see
:mod:`.metric`); a custom metric is never lower-is-better.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from .metric import INPUTS, JudgeMetric, ScaleItem, template_variables

__all__ = ["MODEL_EVALUATION_VARIABLES", "RAG_VARIABLES", "NAME_PATTERN", "NAME_MAX_CHARS",
           "INSTRUCTIONS_MAX_CHARS", "SCALE_MAX_ITEMS", "DEFINITION_MAX_CHARS",
           "CUSTOM_METRICS_MAX", "parse_custom_metric", "parse_custom_metrics",
           "load_custom_metrics", "load_custom_metric", "check_custom_metrics",
           "to_definition"]

MODEL_EVALUATION_VARIABLES = ("prompt", "prediction", "ground_truth")
RAG_VARIABLES = ("prompt", "prediction", "ground_truth", "context", "reference_contexts")
NAME_PATTERN = re.compile(r"^[0-9a-zA-Z_.-]+$")   # Bedrock's ^[0-9a-zA-Z-_.]+$
NAME_MAX_CHARS = 63
INSTRUCTIONS_MAX_CHARS = 5000
SCALE_MAX_ITEMS = 10
DEFINITION_MAX_CHARS = 100
CUSTOM_METRICS_MAX = 10

_WRAPPER = "customMetricDefinition"
_KEYS = ("name", "metricName", "instructions", "ratingScale")


def _err(message: str, file: object, field: str | None) -> ConfigError:
    return ConfigError(message, file=file, field=field)


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null", int: "a number", float: "a number"}.get(type(value),
                                                                          type(value).__name__)


def _unknown_keys(doc: dict, allowed: Sequence[str], file: object, prefix: str) -> None:
    for key in doc:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise _err(f"unknown key{hint} (allowed: {', '.join(allowed)})", file,
                       prefix + str(key))


def _name(doc: dict, file: object, prefix: str) -> str:
    keys = [k for k in ("name", "metricName") if k in doc]
    if not keys:
        raise _err("missing the metric name ('name' in the API form, 'metricName' in the "
                   "console form)", file, prefix.rstrip(".") or None)
    if len(keys) == 2 and doc["name"] != doc["metricName"]:
        raise _err(f"'name' {doc['name']!r} and 'metricName' {doc['metricName']!r} differ; "
                   "give one", file, prefix + "metricName")
    key = keys[0]
    name = doc[key]
    if not isinstance(name, str):
        raise _err(f"must be a string, not {_type(name)}", file, prefix + key)
    if not 1 <= len(name) <= NAME_MAX_CHARS:
        raise _err(f"{len(name)} characters; Bedrock allows 1 to {NAME_MAX_CHARS}", file,
                   prefix + key)
    if not NAME_PATTERN.match(name):
        bad = next(c for c in name if not NAME_PATTERN.match(c))
        raise _err(f"character {bad!r} is not allowed; a name matches ^[0-9a-zA-Z-_.]+$",
                   file, prefix + key)
    return name


def _instructions(doc: dict, variables: Sequence[str], file: object, prefix: str
                  ) -> tuple[str, tuple[str, ...]]:
    field = prefix + "instructions"
    if "instructions" not in doc:
        raise _err("missing required field", file, field)
    text = doc["instructions"]
    if not isinstance(text, str):
        raise _err(f"must be a string, not {_type(text)}", file, field)
    if not text.strip():
        raise _err("is empty", file, field)
    if len(text) > INSTRUCTIONS_MAX_CHARS:
        raise _err(f"{len(text):,} characters; Bedrock allows at most "
                   f"{INSTRUCTIONS_MAX_CHARS:,}", file, field)
    used = template_variables(text)
    allowed = ", ".join("{{" + v + "}}" for v in variables)
    for var in used:
        if var not in variables:
            shown = var if len(var) <= 40 else var[:37] + "..."
            extra = " (a RAG-only variable)" if var in RAG_VARIABLES else ""
            raise _err(f"unknown template variable '{{{{{shown}}}}}'{extra}; allowed: "
                       f"{allowed}", file, field)
    shows = ("prediction", "context") if "context" in variables else ("prediction",)
    if not any(v in used for v in shows):
        raise _err(f"the instructions never show the response to judge; add "
                   f"{' or '.join('{{' + v + '}}' for v in shows)}", file, field)
    return text, tuple(v for v in INPUTS if v in used)


def _scale(doc: dict, file: object, prefix: str) -> tuple[ScaleItem, ...]:
    field = prefix + "ratingScale"
    raw = doc.get("ratingScale")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _err(f"must be a list of rating items, not {_type(raw)}", file, field)
    if not 1 <= len(raw) <= SCALE_MAX_ITEMS:
        raise _err(f"{len(raw)} items; Bedrock allows 1 to {SCALE_MAX_ITEMS}", file, field)
    items: list[ScaleItem] = []
    first_kind = None
    seen_labels: dict[str, int] = {}
    seen_defs: dict[str, int] = {}
    for i, entry in enumerate(raw):
        at = f"{field}[{i}]"
        if not isinstance(entry, dict):
            raise _err(f"must be an object {{definition, value}}, not {_type(entry)}", file, at)
        _unknown_keys(entry, ("definition", "value"), file, at + ".")
        definition = entry.get("definition")
        if not isinstance(definition, str) or not definition.strip():
            raise _err("missing or empty (a short description of the rating)", file,
                       at + ".definition")
        if len(definition) > DEFINITION_MAX_CHARS:
            raise _err(f"{len(definition)} characters; Bedrock allows at most "
                       f"{DEFINITION_MAX_CHARS}", file, at + ".definition")
        value, kind = _value(entry.get("value"), file, at + ".value")
        if first_kind is None:
            first_kind = kind
        elif kind != first_kind:
            raise _err(f"{kind} in a scale whose first item has {first_kind}; the values must "
                       "be all floatValue or all stringValue, never mixed", file, at + ".value")
        item = ScaleItem(definition, value)
        label = " ".join(item.label.split()).casefold()
        if label in seen_labels:
            raise _err(f"duplicate value {item.label!r} (also ratingScale[{seen_labels[label]}])",
                       file, at + ".value")
        folded = " ".join(definition.split()).casefold()
        if folded in seen_defs:
            raise _err(f"duplicate definition (also ratingScale[{seen_defs[folded]}])",
                       file, at + ".definition")
        seen_labels[label] = seen_defs[folded] = i
        items.append(item)
    return tuple(items)


def _value(raw: Any, file: object, field: str) -> tuple[float | str, str]:
    if not isinstance(raw, dict) or len(raw) != 1 \
            or next(iter(raw)) not in ("floatValue", "stringValue"):
        raise _err('must be {"floatValue": <number>} or {"stringValue": "<text>"}', file, field)
    kind, value = next(iter(raw.items()))
    if kind == "floatValue":
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise _err(f"floatValue must be a finite number, not {value!r}", file, field)
        return float(value), kind
    if not isinstance(value, str) or not value.strip():
        raise _err(f"stringValue must be a non-empty string, not {value!r}", file, field)
    return value, kind


def _describe(instructions: str) -> str:
    first = " ".join(instructions.split())
    cut = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    return cut if len(cut) <= 120 else cut[:117] + "..."


def parse_custom_metric(doc: Any, *, file: object = None, prefix: str = "",
                        variables: Sequence[str] = MODEL_EVALUATION_VARIABLES) -> JudgeMetric:
    """One definition (wrapped in ``customMetricDefinition`` or bare) as a :class:`JudgeMetric`.
    ``prefix`` goes before every field name in errors (``"[3]."`` for a list's 4th item);
    ``variables`` are the allowed template variables (:data:`RAG_VARIABLES` for RAG)."""
    if isinstance(doc, dict) and _WRAPPER in doc:
        _unknown_keys(doc, (_WRAPPER,), file, prefix)
        doc = doc[_WRAPPER]
        if not isinstance(doc, dict):
            raise _err(f"must be an object, not {_type(doc)}", file, prefix + _WRAPPER)
    if not isinstance(doc, dict):
        raise _err(f"a custom metric definition must be a JSON object, not {_type(doc)}",
                   file, prefix.rstrip(".") or None)
    _unknown_keys(doc, _KEYS, file, prefix)
    name = _name(doc, file, prefix)
    instructions, needs = _instructions(doc, variables, file, prefix)
    scale = _scale(doc, file, prefix)
    return JudgeMetric(name=name, description=_describe(instructions),
                       instructions=instructions, scale=scale, needs=needs, source="custom")


def parse_custom_metrics(doc: Any, *, file: object = None,
                         variables: Sequence[str] = MODEL_EVALUATION_VARIABLES
                         ) -> tuple[JudgeMetric, ...]:
    """Every definition in ``doc``: any shape in the module docstring, or a JSON string of one
    (the SageMaker SDK's ``custom_metrics``). Checked together by :func:`check_custom_metrics`."""
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError as exc:
            raise ConfigError(f"invalid JSON in custom_metrics: {exc}", file=file) from None
    prefix = ""
    if isinstance(doc, dict) and "customMetrics" in doc:
        _unknown_keys(doc, ("customMetrics", "evaluatorModelConfig"), file, "")
        doc, prefix = doc["customMetrics"], "customMetrics"
        if not isinstance(doc, list):
            raise _err(f"must be a list, not {_type(doc)}", file, "customMetrics")
    if isinstance(doc, list):
        metrics = tuple(parse_custom_metric(d, file=file, prefix=f"{prefix}[{i}].",
                                            variables=variables) for i, d in enumerate(doc))
        check_custom_metrics(metrics, file=file, field=prefix or None)
        return metrics
    return (parse_custom_metric(doc, file=file, variables=variables),)


def load_custom_metrics(path: str | Path, *,
                        variables: Sequence[str] = MODEL_EVALUATION_VARIABLES
                        ) -> tuple[JudgeMetric, ...]:
    """Every definition in a JSON file (any shape in the module docstring)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the custom metric file: {exc.__class__.__name__}: "
                          f"{getattr(exc, 'strerror', None) or exc}", file=path) from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"invalid JSON: {getattr(exc, 'msg', exc)}", file=path,
                          line=line) from None
    return parse_custom_metrics(doc, file=path, variables=variables)


def load_custom_metric(path: str | Path, *,
                       variables: Sequence[str] = MODEL_EVALUATION_VARIABLES) -> JudgeMetric:
    """The one definition in a JSON file (``ConfigError`` if it holds several)."""
    metrics = load_custom_metrics(path, variables=variables)
    if len(metrics) != 1:
        raise ConfigError(f"holds {len(metrics)} custom metric definitions; expected one",
                          file=path)
    return metrics[0]


def check_custom_metrics(metrics: Sequence[JudgeMetric], *, file: object = None,
                         field: str | None = None) -> None:
    """A run's custom metrics: at most :data:`CUSTOM_METRICS_MAX`, names unique."""
    if len(metrics) > CUSTOM_METRICS_MAX:
        raise ConfigError(f"{len(metrics)} custom metrics; Bedrock allows at most "
                          f"{CUSTOM_METRICS_MAX} per run", file=file, field=field)
    seen: set[str] = set()
    for m in metrics:
        if m.name in seen:
            raise ConfigError(f"custom metric name {m.name!r} is used twice", file=file,
                              field=field)
        seen.add(m.name)


def to_definition(metric: JudgeMetric) -> dict:
    """The API-form ``{"customMetricDefinition": {...}}`` of a custom metric (to save it with
    a run); :func:`parse_custom_metric` reads it back to an equal metric."""
    body: dict[str, Any] = {"name": metric.name, "instructions": metric.instructions}
    if metric.scale:
        key = "stringValue" if metric.scale_kind == "string" else "floatValue"
        body["ratingScale"] = [{"definition": i.definition, "value": {key: i.value}}
                               for i in metric.scale]
    return {_WRAPPER: body}
