"""Where a run's reward function lives, from the recipe.

* gen_qa with ``processor.lambda_type: rft`` (or a ``preset_reward_function``):
  the preset, else ``processor.path`` / ``url`` / ``lambda_arn`` (the BYOM locations);
* rft_eval: the same ``processor`` keys when set, else ``rl_env.reward_lambda_arn``, which
  may be a Lambda ARN (``arn:...``), or, as assay's extension, an ``http(s)://`` URL or a
  local file or module (``file.py[:handler]``).

Every location is opened with :func:`assay.processors.loader.open_location`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends.retry import RetryPolicy
from ..errors import ConfigError

if TYPE_CHECKING:   # the client and the presets load when a reward function is asked for
    from .client import RewardFunction

__all__ = ["is_rft_processor", "load_reward_function", "reward_function_for"]


def is_rft_processor(section: Any) -> bool:
    """Whether a ``processor`` section asks for an RFT reward function."""
    return section is not None and (section.lambda_type == "rft"
                                    or bool(section.preset_reward_function))


def load_reward_function(*, preset: str | None = None, path: str | None = None,
                         url: str | None = None, lambda_arn: str | None = None,
                         base_dir: Path | None = None, retry: RetryPolicy | None = None,
                         field: str = "processor") -> RewardFunction:
    """The reward function at exactly one of the given places."""
    from ..processors.loader import open_location

    given = [k for k, v in (("preset_reward_function", preset), ("path", path), ("url", url),
                            ("lambda_arn", lambda_arn)) if v]
    if len(given) > 1 and "preset_reward_function" in given:
        raise ConfigError(f"give either preset_reward_function or a location, not "
                          f"{' and '.join(given)}", field=f"{field}.preset_reward_function")
    if preset:
        from .client import RewardFunction
        from .presets import preset_location

        return RewardFunction(preset_location(preset), name=f"preset:{preset}")
    if not given:
        raise ConfigError("the reward function needs preset_reward_function, path, url or "
                          "lambda_arn", field=field)
    location = open_location(path=path, url=url, lambda_arn=lambda_arn, base_dir=base_dir,
                             retry=retry, field=field)
    from .client import RewardFunction

    return RewardFunction(location)


def _classify(target: str) -> dict[str, str]:
    t = target.strip()
    if t.startswith("arn:"):
        return {"lambda_arn": t}
    if t.startswith(("http://", "https://")):
        return {"url": t}
    return {"path": t}


def reward_function_for(recipe: Any, *, base_dir: Path | None = None,
                        retry: RetryPolicy | None = None) -> RewardFunction:
    """The reward function a recipe names (see the module docstring)."""
    proc = recipe.processor
    if proc is not None and (proc.preset_reward_function or proc.location):
        return load_reward_function(preset=proc.preset_reward_function or None,
                                    path=proc.path, url=proc.url, lambda_arn=proc.lambda_arn,
                                    base_dir=base_dir, retry=retry)
    env = getattr(recipe, "rl_env", None)
    target = env.reward_lambda_arn if env is not None else None
    if not target or "<" in target:
        raise ConfigError("no reward function: set rl_env.reward_lambda_arn (a Lambda ARN, "
                          "an http(s) URL or a local .py file) or processor.path",
                          field="rl_env.reward_lambda_arn")
    return load_reward_function(**_classify(target), base_dir=base_dir, retry=retry,
                                field="rl_env.reward_lambda_arn")
