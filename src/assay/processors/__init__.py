"""Bring your own metrics: the Nova BYOM processor contract and where processors run.

The contract (formats.md §1.4) is ``@preprocess`` / ``@postprocess`` (→ :class:`PreProcessor`
/ :class:`PostProcessor`), :func:`build_lambda_handler` and the strict pydantic models.
User files importing ``nova_custom_evaluation_sdk`` or ``llm_eval_kit`` run unchanged
through the import shims (:mod:`assay.processors.shims`). :func:`load_processor` turns a
recipe's ``processor`` section into a :class:`Processor`: a local file or module
(:class:`LocalProcessor`), an HTTP endpoint (:class:`HttpProcessor`) or an AWS Lambda
function (:class:`LambdaProcessor`). Every per-example failure is a :class:`ProcessorError`.

Names are imported lazily, so ``import assay.processors`` stays cheap.
"""

from __future__ import annotations

from ..lazy_exports import lazy_exports


_EXPORTS = {
    # contract
    "ProcessType": "models", "PreprocessingData": "models", "PreprocessingPayload": "models",
    "PreprocessingResponseBody": "models", "PreprocessingResponse": "models",
    "PostprocessingDataItem": "models", "PostprocessingPayload": "models",
    "MetricResult": "models", "PostprocessingResponse": "models",
    "SDKProcessor": "decorators", "PreProcessor": "decorators", "PostProcessor": "decorators",
    "preprocess": "decorators", "postprocess": "decorators",
    "SDKProcessorError": "exceptions", "PreprocessError": "exceptions",
    "PostprocessError": "exceptions",
    "build_lambda_handler": "handler",
    # shims
    "install_sdk_shims": "shims", "uninstall_sdk_shims": "shims", "SHIMMED_PACKAGES": "shims",
    # locations
    "Processor": "base", "preprocess_event": "base", "postprocess_event": "base",
    "parse_response": "base",
    "ProcessorError": "errors",
    "LocalProcessor": "local", "load_lambda_handler": "local",
    "HttpProcessor": "http_endpoint",
    "LambdaProcessor": "aws_lambda",
    "load_processor": "loader", "open_location": "loader",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
