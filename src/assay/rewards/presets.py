"""The built-in reward functions (``processor.preset_reward_function``, the SageMaker SDK's
``get_builtin_metrics()``): ``prime_math`` (:mod:`.math_verify`) and ``prime_code``
(:mod:`.code_verify`). Each is a Lambda handler of the RFT contract, run in process through
:class:`assay.processors.LocalProcessor` like a user's reward file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from .code_verify import prime_code
from .handler import reward_handler
from .math_verify import prime_math

__all__ = ["PRESETS", "preset_handler", "preset_location"]

#: preset name -> per-sample reward function
PRESETS: dict[str, Callable] = {"prime_math": prime_math, "prime_code": prime_code}


def preset_handler(name: str) -> Callable[[Any, Any], list[dict]]:
    """The Lambda handler of a preset; ConfigError for an unknown name."""
    fn = PRESETS.get(name)
    if fn is None:
        raise ConfigError(f"unknown preset_reward_function '{name}' (choose from "
                          f"{', '.join(PRESETS)})", field="processor.preset_reward_function")
    return reward_handler(fn)


def preset_location(name: str, *, concurrency: int = 4) -> Any:
    """The preset as an in-process location (a LocalProcessor)."""
    from ..processors.local import LocalProcessor

    return LocalProcessor(preset_handler(name), name=f"preset:{name}",
                          concurrency=concurrency)
