"""evaluator_model: an assay judge as it is, or a Bedrock id mapped to a configured judge
(configure_judge, then ASSAY_BEDROCK_JUDGE); a clear error when none is configured."""

from __future__ import annotations

import json

import pytest

from assay.sdk import LLMAsJudgeEvaluator, configure_judge
from assay.sdk.judges import JUDGE_ENV, resolve_judge

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA = "amazon.nova-pro-v1:0"


def ev(out, genqa, model):
    return LLMAsJudgeEvaluator(evaluator_model=model, dataset=str(genqa), model="mock/echo",
                               s3_output_path=str(out))


def test_assay_judge_passes_through(out, genqa):
    r = ev(out, genqa, "local/smollm2").get_resolved_recipe()
    assert r["judge"] == {"model": "local/smollm2"}


def test_unconfigured_bedrock_id_is_a_clear_error_at_resolution(out, genqa):
    e = ev(out, genqa, HAIKU)        # construction accepts an allowed id
    with pytest.raises(ValueError) as info:
        e.get_resolved_recipe()
    text = str(info.value)
    assert f"evaluator_model '{HAIKU}' is a Bedrock model" in text
    assert f"configure_judge('{HAIKU}', 'openai/<model>'" in text
    assert JUDGE_ENV in text and "evaluator_model='local/smollm2'" in text
    with pytest.raises(ValueError, match="no judge is configured"):
        e.evaluate(dry_run=True)


def test_configure_judge_for_one_id_and_for_all(out, genqa):
    configure_judge(HAIKU, "openai/judge-a", base_url="http://127.0.0.1:9/v1")
    configure_judge("*", "openai/judge-any")
    r = ev(out, genqa, HAIKU).get_resolved_recipe()
    assert r["judge"]["model"] == "openai/judge-a"
    assert r["judge"]["model_args"] == {"base_url": "http://127.0.0.1:9/v1"}
    assert ev(out, genqa, NOVA).get_resolved_recipe()["judge"] == {"model": "openai/judge-any"}


def test_configure_judge_is_checked():
    with pytest.raises(ValueError, match="Invalid evaluator_model 'gpt-4'"):
        configure_judge("gpt-4", "openai/x")
    with pytest.raises(ValueError, match="is not an assay model name"):
        configure_judge(HAIKU, "claude")


def test_environment_variable(monkeypatch):
    monkeypatch.setenv(JUDGE_ENV, "openai/env-judge")
    assert resolve_judge(NOVA) == ("openai/env-judge", {}, NOVA)
    monkeypatch.setenv(JUDGE_ENV, json.dumps({
        HAIKU: {"model": "openai/h", "model_args": {"base_url": "http://x/v1"}},
        "*": "local/smollm2"}))
    assert resolve_judge(HAIKU) == ("openai/h", {"base_url": "http://x/v1"}, HAIKU)
    assert resolve_judge(NOVA) == ("local/smollm2", {}, NOVA)
    monkeypatch.setenv(JUDGE_ENV, json.dumps({HAIKU: "openai/h"}))
    with pytest.raises(ValueError, match="no judge is configured"):
        resolve_judge(NOVA)
    monkeypatch.setenv(JUDGE_ENV, "{bad")
    with pytest.raises(ValueError, match="not valid JSON"):
        resolve_judge(NOVA)


def test_configure_judge_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(JUDGE_ENV, "openai/env")
    configure_judge(NOVA, "openai/configured")
    assert resolve_judge(NOVA)[0] == "openai/configured"
    assert resolve_judge("mock/script") == ("mock/script", {}, None)
