"""Exceptions of the SDK contract (the SDK's ``processors.exceptions``).

They are what user code sees and may catch; they are plain ``Exception`` subclasses, as in
the SDK. The import shims expose :class:`SDKProcessorError` under the SDK's own name,
``ProcessorError``. assay's per-example error is :class:`assay.processors.ProcessorError`.
"""

from __future__ import annotations

__all__ = ["SDKProcessorError", "PreprocessError", "PostprocessError"]


class SDKProcessorError(Exception):
    """Base of the SDK's processor errors (``ProcessorError`` in the SDK)."""


class PreprocessError(SDKProcessorError):
    """Raised by ``PreProcessor.process``."""


class PostprocessError(SDKProcessorError):
    """Raised by ``PostProcessor.process``."""
