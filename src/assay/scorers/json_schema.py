"""``json_schema``: does the output parse as JSON and validate against a JSON Schema?

Per example, the prediction is parsed with
:func:`~assay.scorers.json_extract.extract_json` (the whole text, else a fenced code
block, else the first ``{...}`` or ``[...]`` in surrounding text; ``strict=True`` accepts
only the whole text) and validated with the ``jsonschema`` package:

* ``json_schema``: 1.0 when it parses and validates, else 0.0;
* ``parse_failure``: 1.0 when no JSON value was found;
* ``validation_failure``: 1.0 when it parsed but does not validate;
* ``details["error"]``: the first validation error, the one ``jsonschema.validate``
  would raise (``jsonschema.exceptions.best_match``), as ``"<path>: <message>"``
  (``$`` is the root); ``"no JSON found"`` for a parse failure; ``None`` when valid.

The corpus value (:meth:`JsonSchemaScorer.score`) is the mean of ``json_schema`` with
``std(ddof=1)/sqrt(n)`` (as every mean metric), plus the counts ``parse_failures`` and
``validation_failures`` and ``n``. The ground truth is not used.

The schema is a ``dict`` or the path of a JSON (or YAML: ``.yaml``/``.yml``) file; it is
checked when the scorer is made (a bad schema is a :class:`~assay.errors.ConfigError`).
The validator class follows the schema's ``$schema`` (Draft 2020-12 when absent);
``check_formats=True`` also enforces ``format`` (``jsonschema``'s format checker).
Needs ``jsonschema`` (``pip install 'assay[schema]'``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assay.errors import ConfigError, MissingDependency
from assay.scorers.base import BaseScorer, ExampleScores
from assay.scorers.json_extract import NOT_FOUND, extract_json
from assay.scorers.registry import register_scorer

__all__ = ["JsonSchemaScorer", "json_schema", "load_schema"]

_MAX_MESSAGE = 500


def load_schema(schema: Mapping[str, Any] | bool | str | os.PathLike[str]) -> Any:
    """The schema itself: a mapping (or boolean schema) as given, or the parsed file."""
    if isinstance(schema, (Mapping, bool)):
        return dict(schema) if isinstance(schema, Mapping) else schema
    if not isinstance(schema, (str, os.PathLike)):
        raise ConfigError(f"schema must be a dict or a file path, got {type(schema).__name__}",
                          field="schema")
    path = Path(schema)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read schema file: {exc.strerror or exc}", file=path,
                          field="schema") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except (ValueError, ImportError) as exc:
        raise ConfigError(f"schema file is not valid JSON/YAML: {exc}", file=path,
                          field="schema") from None
    except Exception as exc:  # yaml.YAMLError
        raise ConfigError(f"schema file is not valid YAML: {exc}", file=path,
                          field="schema") from None


def _path_text(path: Sequence[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class JsonSchemaScorer(BaseScorer):
    """Schema adherence of JSON outputs (see module docstring)."""

    metric = "json_schema"

    def __init__(self, schema: Mapping[str, Any] | bool | str | os.PathLike[str], *,
                 strict: bool = False, check_formats: bool = False) -> None:
        try:
            import jsonschema
            from jsonschema.exceptions import SchemaError
            from jsonschema.validators import validator_for
        except ImportError:
            raise MissingDependency("jsonschema", "schema", "the json_schema scorer") from None
        self.schema = load_schema(schema)
        if not isinstance(self.schema, (dict, bool)):
            raise ConfigError("a JSON Schema must be an object or a boolean", field="schema")
        cls = validator_for(self.schema, default=jsonschema.Draft202012Validator)
        try:
            cls.check_schema(self.schema)
        except SchemaError as exc:
            raise ConfigError(f"invalid JSON Schema: {exc.message}", field="schema") from None
        self.strict = bool(strict)
        self.check_formats = bool(check_formats)
        checker = cls.FORMAT_CHECKER if self.check_formats else None
        self._validator = cls(self.schema, format_checker=checker)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_validator", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from jsonschema.validators import validator_for

        self.__dict__.update(state)
        import jsonschema

        cls = validator_for(self.schema, default=jsonschema.Draft202012Validator)
        checker = cls.FORMAT_CHECKER if self.check_formats else None
        self._validator = cls(self.schema, format_checker=checker)

    def first_error(self, instance: Any) -> str | None:
        """``"<path>: <message>"`` of the error ``jsonschema.validate`` would raise, or None."""
        from jsonschema.exceptions import best_match

        try:
            error = best_match(self._validator.iter_errors(instance))
        except RecursionError:
            return "$: too deeply nested to validate"
        if error is None:
            return None
        message = error.message
        if len(message) > _MAX_MESSAGE:
            message = message[:_MAX_MESSAGE] + "..."
        return f"{_path_text(error.absolute_path)}: {message}"

    def score_one(self, prediction: str, ground_truth: str | None = None,
                  metadata: dict | None = None) -> ExampleScores:
        instance = extract_json(prediction, strict=self.strict)
        if instance is NOT_FOUND:
            return ExampleScores({"json_schema": 0.0, "parse_failure": 1.0,
                                  "validation_failure": 0.0}, details={"error": "no JSON found"})
        error = self.first_error(instance)
        return ExampleScores({"json_schema": 0.0 if error else 1.0, "parse_failure": 0.0,
                              "validation_failure": 1.0 if error else 0.0},
                             details={"error": error})

    def score_batch(self, predictions: Sequence[str], ground_truth: Sequence[str] | None = None,
                    metadata: Sequence[dict | None] | None = None) -> list[ExampleScores]:
        """:meth:`score_one` of each prediction (``ground_truth`` may be omitted)."""
        if ground_truth is None:
            ground_truth = [""] * len(predictions)
        return super().score_batch(predictions, ground_truth, metadata)

    def score(self, predictions: list[str], ground_truth: list[str] | None = None,
              metadata: list[dict | None] | None = None) -> dict[str, float]:
        return self.aggregate(self.score_batch(predictions, ground_truth, metadata))

    def aggregate(self, per_example: Sequence[Mapping[str, float]]) -> dict[str, float]:
        out = super().aggregate(per_example)
        nan = float("nan")
        stats = {"json_schema": out.get("json_schema", nan),
                 "json_schema_stderr": out.get("json_schema_stderr", nan)}
        stats["parse_failures"] = float(sum(r.get("parse_failure", 0.0) == 1.0 for r in per_example))
        stats["validation_failures"] = float(
            sum(r.get("validation_failure", 0.0) == 1.0 for r in per_example))
        stats["n"] = out["n"]
        return stats


@register_scorer("json_schema")
def json_schema(schema: Mapping[str, Any] | bool | str, *, strict: bool = False,
                check_formats: bool = False) -> JsonSchemaScorer:
    """JSON parses (code fences tolerated) and validates against ``schema``: 1/0 per example."""
    return JsonSchemaScorer(schema, strict=strict, check_formats=check_formats)
