"""RFT rewards: the reward contract, the built-in verifiable rewards and the code sandbox.

* the contract (formats.md §1.4.3): :class:`RewardSample`, :class:`RewardMessage`,
  :class:`RewardResult`, :class:`RewardMetric`, :func:`parse_request`,
  :func:`parse_reward_response`; :func:`reward_handler` turns a per-sample function into a
  Lambda handler;
* calling one: :class:`RewardFunction` through the BYOM processor locations (a local file or
  module, an HTTP endpoint, an AWS Lambda ARN); :func:`load_reward_function`,
  :func:`reward_function_for`; :class:`RewardPostprocessor` plugs one into gen_qa;
* presets: :func:`prime_math` (final answer vs reference: normalised text, numbers, sympy)
  and :func:`prime_code` (the model's code against tests in :func:`run_python`'s sandbox).

Names are imported lazily, so ``import assay.rewards`` stays cheap. See docs/rft.md.
"""

from __future__ import annotations

from ..lazy_exports import lazy_exports


_EXPORTS = {
    "REWARD": "contract", "RewardMessage": "contract", "RewardSample": "contract",
    "RewardMetric": "contract", "RewardResult": "contract", "parse_request": "contract",
    "parse_reward_response": "contract", "request_event": "contract",
    "reward_handler": "handler",
    "RewardFunction": "client",
    "load_reward_function": "loader", "reward_function_for": "loader",
    "is_rft_processor": "loader",
    "RewardPostprocessor": "postprocessor",
    "PRESETS": "presets", "preset_handler": "presets",
    "prime_math": "math_verify", "verify_math": "math_verify", "math_equal": "math_verify",
    "extract_answer": "math_verify", "MathVerdict": "math_verify",
    "symbolic_equal": "symbolic", "SymbolicChecker": "symbolic",
    "prime_code": "code_verify", "verify_code": "code_verify", "extract_code": "code_verify",
    "code_tests": "code_verify", "CodeVerdict": "code_verify",
    "run_python": "sandbox", "SandboxLimits": "sandbox", "SandboxResult": "sandbox",
    "available_isolation": "sandbox",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
