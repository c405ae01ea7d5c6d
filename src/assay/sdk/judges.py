"""Which assay judge answers for an ``evaluator_model``.

``LLMAsJudgeEvaluator(evaluator_model=...)`` takes either an assay judge name
(``local/smollm2``, ``openai/gpt-4o-mini``, ``mock/script``, a ``.gguf`` path) or one of the
Bedrock model ids the SageMaker SDK allows (:data:`~assay.sdk.constants.ALLOWED_EVALUATOR_MODELS`).
Bedrock cannot be reached offline, so a Bedrock id maps to a judge you configure:

* ``assay.sdk.configure_judge("anthropic.claude-3-haiku-20240307-v1:0", "openai/gpt-4o-mini",
  base_url=...)`` for one id, or ``configure_judge("*", ...)`` for every id;
* the environment variable ``ASSAY_BEDROCK_JUDGE``: an assay model name (every id), or a JSON
  object ``{"<bedrock id>|*": "openai/<model>" | {"model": ..., "model_args": {...}}}``.

``configure_judge`` wins over the environment; an exact id wins over ``*``. A Bedrock id with
no judge configured is a ``ValueError`` that says how to configure one.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .constants import ALLOWED_EVALUATOR_MODELS

__all__ = ["configure_judge", "clear_judges", "resolve_judge", "check_evaluator_model",
           "is_assay_model", "JUDGE_ENV"]

JUDGE_ENV = "ASSAY_BEDROCK_JUDGE"

_CONFIGURED: dict[str, tuple[str, dict[str, Any]]] = {}


def is_assay_model(name: str) -> bool:
    """An assay model name: ``provider/model``, a GGUF file, or ``byoi`` (never an ARN)."""
    return (not name.startswith("arn:") and not name.startswith("s3://")
            and ("/" in name or name.endswith(".gguf") or name == "byoi"))


def _invalid(value: str) -> ValueError:
    return ValueError(f"Invalid evaluator_model '{value}'. Allowed models are: "
                      f"{list(ALLOWED_EVALUATOR_MODELS)}")


def check_evaluator_model(value: str) -> str:
    """``value`` if it is a Bedrock id the SDK allows or an assay judge name, else the SDK's
    ``ValueError("Invalid evaluator_model '<v>'. Allowed models are: [...]")``."""
    if not isinstance(value, str) or not value.strip():
        raise _invalid(str(value))
    v = value.strip()
    if v in ALLOWED_EVALUATOR_MODELS or is_assay_model(v):
        return v
    raise _invalid(v)


def configure_judge(bedrock_id: str, model: str, **model_args: Any) -> None:
    """Judge ``bedrock_id`` (one of the SDK's evaluator models, or ``"*"`` for all) with the
    assay model ``model`` and its arguments (``base_url=...``, ``api_key_env=...``)."""
    if bedrock_id != "*" and bedrock_id not in ALLOWED_EVALUATOR_MODELS:
        raise _invalid(bedrock_id)
    if not isinstance(model, str) or not is_assay_model(model):
        raise ValueError(f"configure_judge: {model!r} is not an assay model name "
                         "(provider/model, e.g. 'openai/gpt-4o-mini' or 'local/smollm2')")
    _CONFIGURED[bedrock_id] = (model, dict(model_args))


def clear_judges() -> None:
    """Forget every :func:`configure_judge` mapping."""
    _CONFIGURED.clear()


def _from_env(bedrock_id: str) -> tuple[str, dict[str, Any]] | None:
    raw = os.environ.get(JUDGE_ENV, "").strip()
    if not raw:
        return None
    if not raw.startswith("{"):
        if not is_assay_model(raw):
            raise ValueError(f"{JUDGE_ENV}={raw!r} is not an assay model name "
                             "(provider/model) nor a JSON object")
        return raw, {}
    try:
        table = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{JUDGE_ENV} is not valid JSON: {exc}") from None
    if not isinstance(table, dict):
        raise ValueError(f"{JUDGE_ENV} must be a JSON object mapping Bedrock ids to judges")
    entry = table.get(bedrock_id, table.get("*"))
    if entry is None:
        return None
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, dict) and isinstance(entry.get("model"), str):
        return entry["model"], dict(entry.get("model_args") or {})
    raise ValueError(f"{JUDGE_ENV}: the judge for {bedrock_id!r} must be a model name or "
                     "{\"model\": ..., \"model_args\": {...}}")


def resolve_judge(evaluator_model: str) -> tuple[str, dict[str, Any], str | None]:
    """(assay judge model, its arguments, the Bedrock id it stands for or None)."""
    v = check_evaluator_model(evaluator_model)
    if is_assay_model(v):
        return v, {}, None
    found = _CONFIGURED.get(v) or _CONFIGURED.get("*") or _from_env(v)
    if found is None:
        raise ValueError(
            f"evaluator_model '{v}' is a Bedrock model, which assay cannot call offline, and no "
            f"judge is configured for it: call assay.sdk.configure_judge('{v}', "
            f"'openai/<model>', base_url=...) (or configure_judge('*', ...) for every Bedrock "
            f"id), set {JUDGE_ENV}=openai/<model>, or pass an assay judge such as "
            f"evaluator_model='local/smollm2'")
    model, args = found
    return model, dict(args), v
