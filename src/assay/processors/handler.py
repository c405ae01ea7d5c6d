"""``build_lambda_handler``: one Lambda entry point routing on ``event['process_type']``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Dict, Optional

from .decorators import PostProcessor, PreProcessor
from .models import ProcessType

__all__ = ["build_lambda_handler"]


def build_lambda_handler(
    preprocessor: Optional[PreProcessor] = None,
    postprocessor: Optional[PostProcessor] = None,
) -> Callable[[Dict[str, Any], Any], Dict[str, Any]]:
    """Return ``lambda_handler(event, context)``.

    A preprocess event goes to ``preprocessor.process``, a postprocess event to
    ``postprocessor.process`` (their exceptions propagate). An unknown ``process_type`` or a
    missing processor answers ``{"statusCode": 400, "body": {"error": "Unsupported
    process_type: X"}}``.
    """

    def lambda_handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
        process_type = event.get("process_type") if isinstance(event, Mapping) else None
        if process_type == ProcessType.PREPROCESS and preprocessor:
            return preprocessor.process(event, context)
        if process_type == ProcessType.POSTPROCESS and postprocessor:
            return postprocessor.process(event, context)
        return {"statusCode": 400,
                "body": {"error": f"Unsupported process_type: {process_type}"}}

    return lambda_handler
