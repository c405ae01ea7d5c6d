"""A reward function for RFT evaluation, following the RFT reward contract.

The same file runs locally (``rl_env.reward_lambda_arn: math_reward.py``) and, deployed as an
AWS Lambda function with assay (and sympy) packaged beside it, from Nova: ``lambda_handler(event, context)`` gets a list of samples
(or ``{"batch": [...]}``), each ``{"id", "messages", "reference_answer"}`` with the model's
answer as the last assistant turn, and returns one
``{"id", "aggregate_reward_score", "metrics_list"}`` per sample.

The score is assay's ``prime_math`` (the boxed final answer compared with the reference:
normalised text, numbers, sympy), and a small format metric: whether the answer was boxed.
"""

from __future__ import annotations

from assay.rewards import prime_math


def _score(sample: dict) -> dict:
    from assay.rewards import RewardSample

    result = prime_math(RewardSample.model_validate(sample))
    answer = next((m["content"] for m in reversed(sample["messages"])
                   if m["role"] in ("assistant", "nova_assistant")), "")
    metrics = [m.model_dump() for m in result.metrics_list]
    metrics.append({"name": "boxed", "value": float("\\boxed" in answer), "type": "Metric"})
    return {"id": sample["id"], "aggregate_reward_score": result.aggregate_reward_score,
            "metrics_list": metrics}


def lambda_handler(event, context):
    samples = event["batch"] if isinstance(event, dict) else event
    return [_score(s) for s in samples]
