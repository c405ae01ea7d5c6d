"""Structured output: a JSON Schema or a choice among fixed strings (``assay.response_schema``,
``assay.response_choices``).

A request carries it in ``GenerationSettings.response_format``, one of::

    {"type": "json_schema", "schema": {...}}
    {"type": "choice", "choices": ["A", "B", ...]}

Backends that can enforce it do (the local backend with a llama.cpp grammar, OpenAI-compatible
servers with ``response_format``); every reply, enforced or not, is checked after the fact by
:func:`check_reply` (called once, in ``runner/context.py``), and a reply that does not conform
becomes an example error of kind ``schema`` with the raw text kept.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..errors import GenerationError

__all__ = ["check_schema", "json_schema_format", "choice_format", "reply_problem", "check_reply",
           "choice_gbnf", "json_gbnf", "openai_response_format"]


def check_schema(schema: Any) -> dict:
    """``schema`` itself, if it is a valid JSON Schema (its own ``$schema`` draft, else the
    latest); a ``ValueError`` with a one-line reason otherwise."""
    import jsonschema
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict):
        raise ValueError(f"a JSON Schema must be a mapping, not {type(schema).__name__}")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise ValueError("not a valid JSON Schema: " + " ".join(exc.message.split())[:200]
                         + (f" (at {where})" if where else "")) from None
    return schema


def check_choices(choices: Any) -> list[str]:
    if not isinstance(choices, list) or not choices:
        raise ValueError("response_choices must be a non-empty list of strings")
    if not all(isinstance(c, str) and c for c in choices):
        raise ValueError("response_choices must hold non-empty strings only")
    if len(set(choices)) != len(choices):
        raise ValueError("response_choices has duplicates")
    return list(choices)


def json_schema_format(schema: dict) -> dict:
    return {"type": "json_schema", "schema": schema}


def choice_format(choices: list[str]) -> dict:
    return {"type": "choice", "choices": list(choices)}


@lru_cache(maxsize=64)
def _validator(schema_json: str):
    import jsonschema
    schema = json.loads(schema_json)
    return jsonschema.validators.validator_for(schema)(schema)


def reply_problem(text: str, fmt: dict | None) -> str | None:
    """Why ``text`` does not conform to ``fmt`` (one line), or ``None`` when it does."""
    if not fmt:
        return None
    kind = fmt.get("type")
    if kind == "choice":
        choices = fmt.get("choices") or []
        if text.strip() in choices:
            return None
        shown = ", ".join(repr(c) for c in choices[:8]) + (", ..." if len(choices) > 8 else "")
        return f"the reply is not one of the allowed choices ({shown})"
    if kind == "json_schema":
        try:
            value = json.loads(text)
        except ValueError as exc:
            return f"the reply is not valid JSON ({exc})"
        validator = _validator(json.dumps(fmt.get("schema") or {}, sort_keys=True))
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        return ("the reply does not match the response schema: "
                + " ".join(error.message.split())[:200] + (f" (at /{where})" if where else ""))
    return f"unknown response_format type {kind!r}"


def check_reply(text: str, fmt: dict | None) -> None:
    """Raise ``GenerationError('schema', ..., raw=text)`` when ``text`` does not conform."""
    problem = reply_problem(text, fmt)
    if problem is not None:
        raise GenerationError("schema", problem, raw=text, retryable=False)


def _gbnf_literal(s: str) -> str:
    out = []
    for ch in s:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def choice_gbnf(choices: list[str]) -> str:
    """A GBNF grammar whose only sentences are the given strings."""
    return "root ::= " + " | ".join(_gbnf_literal(c) for c in choices) + "\n"


def json_gbnf(schema: dict) -> str:
    """The GBNF grammar of a JSON Schema, by llama-cpp-python's converter, with its string
    characters narrowed to what JSON allows: the converter lets raw control characters
    (newlines) into strings, which ``json.loads`` rightly rejects; llama.cpp's own converter
    excludes them as here."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    gbnf = json_schema_to_gbnf(json.dumps(schema))
    return gbnf.replace('char ::= [^"\\\\] |', 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |')


def openai_response_format(fmt: dict | None) -> dict | None:
    """The ``response_format`` of an OpenAI-compatible request body, or ``None`` (choices are
    checked after the fact: a JSON ``enum`` would make the server quote the answer)."""
    if not fmt or fmt.get("type") != "json_schema":
        return None
    return {"type": "json_schema",
            "json_schema": {"name": "response", "schema": fmt["schema"], "strict": True}}
