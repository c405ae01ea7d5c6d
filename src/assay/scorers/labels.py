"""Class labels from model outputs and ground truths, for the classification presets.

A :class:`LabelParser` turns a text into a label, or ``None`` when it finds none:

1. With ``label_field`` (e.g. ``"class"``), the text is parsed as JSON
   (:func:`assay.scorers.json_extract.extract_json`: the whole text, a fenced code
   block, or the first ``{...}`` object in surrounding prose) and the field is read
   (a dotted path walks nested objects). A string value is used as is; a number or
   boolean as its JSON text (``1``, ``true``); anything else (missing field, ``null``,
   list, object) gives ``None``. A *ground truth* that is not such a JSON object is
   used as plain text instead, so both ``"cat"`` and ``'{"class": "cat"}'`` work.
2. The text is stripped, and case-folded (``str.casefold``) when ``casefold=True``.
   Empty gives ``None``.
3. Without a label set, that text is the label. With ``labels``:
   the text equal to a label is that label; otherwise the labels are searched as
   whole words (not preceded or followed by a letter, digit or underscore) and
   ``label_match="first"`` takes the one that starts first (the longest at the same
   position), ``"only"`` takes a label only when it is the one distinct label found.
   The result is the label as declared in ``labels``.

:meth:`LabelParser.parse` never raises, whatever the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from assay.errors import ConfigError
from assay.scorers.json_extract import NOT_FOUND, extract_json, get_field

__all__ = ["UNPARSED", "LABEL_MATCHES", "LabelParser"]

UNPARSED = "<unparsed>"
LABEL_MATCHES = ("first", "only")


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        try:
            return json.dumps(value)
        except ValueError:  # pragma: no cover - json.dumps handles floats
            return None
    return None


class LabelParser:
    """Extracts labels as described in the module docstring."""

    def __init__(self, labels: Sequence[str] | None = None, *, label_field: str | None = None,
                 casefold: bool = False, label_match: str = "first") -> None:
        if label_match not in LABEL_MATCHES:
            raise ConfigError(f"label_match must be one of {', '.join(LABEL_MATCHES)}, "
                              f"got {label_match!r}", field="label_match")
        if label_field is not None and (not isinstance(label_field, str) or not label_field):
            raise ConfigError("label_field must be a non-empty string", field="label_field")
        self.label_field = label_field
        self.casefold = bool(casefold)
        self.label_match = label_match
        self.labels: tuple[str, ...] | None = None
        self._canon: dict[str, str] = {}
        self._search: re.Pattern[str] | None = None
        if labels is not None:
            if isinstance(labels, str) or not all(isinstance(x, str) for x in labels):
                raise ConfigError("labels must be a list of strings", field="labels")
            declared = [x.strip() for x in labels]
            if not declared or any(not x for x in declared):
                raise ConfigError("labels must be non-empty strings", field="labels")
            for label in declared:
                key = self._norm(label)
                if key in self._canon and self._canon[key] != label:
                    raise ConfigError(f"labels '{self._canon[key]}' and '{label}' are the same "
                                      "label after case-folding", field="labels")
                self._canon.setdefault(key, label)
            if UNPARSED in self._canon:
                raise ConfigError(f"'{UNPARSED}' is reserved for unparsed predictions",
                                  field="labels")
            self.labels = tuple(dict.fromkeys(declared))
            alternatives = sorted(self._canon, key=lambda k: (-len(k), k))
            self._search = re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(k) for k in alternatives) + r")(?!\w)")

    def _norm(self, text: str) -> str:
        text = text.strip()
        return text.casefold() if self.casefold else text

    def _from_text(self, text: str) -> str | None:
        norm = self._norm(text)
        if not norm:
            return None
        if self._search is None:
            return norm
        exact = self._canon.get(norm)
        if exact is not None:
            return exact
        if self.label_match == "first":
            m = self._search.search(norm)
            return self._canon[m.group(0)] if m else None
        found = {m.group(0) for m in self._search.finditer(norm)}
        return self._canon[found.pop()] if len(found) == 1 else None

    def parse(self, text: object, *, ground_truth: bool = False) -> str | None:
        """The label in ``text`` or ``None``. Ground truths fall back to plain text."""
        try:
            if not isinstance(text, str):
                if text is None:
                    return None
                text = _scalar_text(text)
                if text is None:
                    return None
            if self.label_field is not None:
                # Model outputs are searched leniently; a ground truth is either exactly
                # a JSON object (then it must have the field) or plain text.
                obj = extract_json(text, objects_only=True, strict=ground_truth)
                if obj is not NOT_FOUND or not ground_truth:
                    value = get_field(obj, self.label_field)
                    text = None if value is NOT_FOUND else _scalar_text(value)
                    if text is None:
                        return None
            return self._from_text(text)
        except (ValueError, TypeError, RecursionError):  # pragma: no cover - defensive
            return None
