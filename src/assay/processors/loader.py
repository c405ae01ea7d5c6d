"""``load_processor``: a recipe's ``processor`` section → a :class:`Processor`.

The location is taken from ``path`` (in process), else ``url`` (HTTP endpoint), else
``lambda_arn`` (AWS Lambda), so a recipe can keep its Nova ``lambda_arn`` and add ``path``
to run the same code locally.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..backends.retry import RetryPolicy
from ..config.recipe import ProcessorSection
from ..errors import ConfigError
from .base import POSTPROCESS, PREPROCESS, Processor
from .errors import Stage

if TYPE_CHECKING:
    from .aws_lambda import LambdaProcessor
    from .http_endpoint import HttpProcessor
    from .local import LocalProcessor

__all__ = ["load_processor", "open_location"]


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
    return open_location(path=section.path, url=section.url, lambda_arn=section.lambda_arn,
                         base_dir=base_dir, retry=retry, stages=stages)


def open_location(*, path: str | None = None, url: str | None = None,
                  lambda_arn: str | None = None, base_dir: Path | None = None,
                  retry: RetryPolicy | None = None, stages: Iterable[Stage] = (),
                  field: str = "processor") -> LocalProcessor | HttpProcessor | LambdaProcessor:
    """The location that runs user code, whatever its contract: ``path`` (in process, see
    :mod:`.local`), else ``url`` (:mod:`.http_endpoint`), else ``lambda_arn``
    (:mod:`.aws_lambda`). Each has ``invoke(stage, event) -> (payload, text)``; the RFT
    reward functions (:mod:`assay.rewards`) are called through it too."""
    if path:
        from .local import LocalProcessor

        return LocalProcessor.from_target(path, base_dir=base_dir, stages=stages)
    if url:
        from .http_endpoint import HttpProcessor

        return HttpProcessor(url, retry=retry)
    if lambda_arn:
        from .aws_lambda import LambdaProcessor

        return LambdaProcessor(lambda_arn, retry=retry)
    raise ConfigError("processor needs one of path, url or lambda_arn", field=field)
