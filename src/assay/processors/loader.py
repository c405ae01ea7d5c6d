"""``load_processor``: a recipe's ``processor`` section → a :class:`Processor`.

The location is taken from ``path`` (in process), else ``url`` (HTTP endpoint), else
``lambda_arn`` (AWS Lambda), so a recipe can keep its Nova ``lambda_arn`` and add ``path``
to run the same code locally.
"""

from __future__ import annotations

from pathlib import Path

from ..backends.retry import RetryPolicy
from ..config.recipe import ProcessorSection
from ..errors import ConfigError
from .base import POSTPROCESS, PREPROCESS, Processor

__all__ = ["load_processor"]


def load_processor(section: ProcessorSection, *, base_dir: Path | None = None,
                   retry: RetryPolicy | None = None) -> Processor:
    """Build the processor the section names; ``base_dir`` resolves a relative ``path``.

    ``retry`` applies to HTTP and Lambda calls. Raises :class:`~assay.errors.ConfigError`
    (no location, ``lambda_type: rft``, unloadable code) or
    :class:`~assay.errors.MissingDependency` (``boto3`` for a Lambda ARN).
    """
    if section.lambda_type != "custom_metrics":
        raise ConfigError(f"lambda_type '{section.lambda_type}' uses the RFT reward contract; "
                          "custom metrics processors need lambda_type: custom_metrics",
                          field="processor.lambda_type")
    stages = [stage for stage, on in ((PREPROCESS, section.preprocessing.enabled),
                                      (POSTPROCESS, section.postprocessing.enabled)) if on]
    if section.path:
        from .local import LocalProcessor

        return LocalProcessor.from_target(section.path, base_dir=base_dir, stages=stages)
    if section.url:
        from .http_endpoint import HttpProcessor

        return HttpProcessor(section.url, retry=retry)
    if section.lambda_arn:
        from .aws_lambda import LambdaProcessor

        return LambdaProcessor(section.lambda_arn, retry=retry)
    raise ConfigError("processor needs one of path, url or lambda_arn", field="processor")
