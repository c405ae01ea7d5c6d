"""The RFT reward contract and RewardFunction through every processor location."""

from __future__ import annotations

import io
import json

import anyio
import pytest

from assay.backends.retry import RetryPolicy
from assay.processors import HttpProcessor, LocalProcessor, ProcessorError
from assay.rewards import (RewardFunction, RewardResult, RewardSample, parse_request,
                           parse_reward_response, request_event, reward_handler)
from assay.rewards.loader import load_reward_function, reward_function_for
from tests.processors.conftest import lambda_server, url_of

FAST = RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0, seed=0)


def sample(i="a", answer="4", ref="4") -> RewardSample:
    return RewardSample.model_validate({
        "id": i, "messages": [{"role": "user", "content": "2+2?"},
                              {"role": "assistant", "content": answer}],
        "reference_answer": ref})


def echo_reward(event, context):
    items = event["batch"] if isinstance(event, dict) else event
    out = []
    for s in items:
        ok = float(s["messages"][-1]["content"].strip() == str(s["reference_answer"]))
        out.append({"id": s["id"], "aggregate_reward_score": ok,
                    "metrics_list": [{"name": "correct", "value": ok, "type": "Reward"},
                                     {"name": "length", "value": 1.0, "type": "Metric"}]})
    return out


def run(coro):
    return anyio.run(lambda: coro)


def test_request_shapes():
    s = sample()
    assert parse_request(request_event([s])) == [s]
    assert parse_request(request_event([s], envelope="batch")) == [s]
    assert parse_request({"batch": [s.model_dump()]})[0].response == "4"
    extra = parse_request([{**s.model_dump(), "task": "x"}])[0]
    assert extra.model_dump()["task"] == "x"          # other keys travel along
    for bad in ({"samples": []}, "x", [{"id": "a", "messages": []}],
                [{"id": 1, "messages": [{"role": "user", "content": "q"}],
                  "reference_answer": "r"}]):
        with pytest.raises(ValueError):
            parse_request(bad)


def test_response_last_assistant_turn():
    s = RewardSample.model_validate({"id": "a", "messages": [
        {"role": "user", "content": "q"}, {"role": "nova_assistant", "content": "first"},
        {"role": "user", "content": "q2"}, {"role": "assistant", "content": "second"}],
        "reference_answer": {"x": 1}})
    assert s.response == "second"
    assert sample().model_copy(update={"messages": sample().messages[:1]}).response is None


GOOD = [{"id": "a", "aggregate_reward_score": 0.5,
         "metrics_list": [{"name": "m", "value": 1, "type": "Metric"}]}]


@pytest.mark.parametrize("payload", [GOOD, {"statusCode": 200, "body": json.dumps(GOOD)},
                                     {"statusCode": "200", "body": GOOD}])
def test_response_shapes(payload):
    (r,) = parse_reward_response(payload)
    assert r == RewardResult(id="a", aggregate_reward_score=0.5,
                             metrics_list=[{"name": "m", "value": 1.0, "type": "Metric"}])
    assert r.metrics() == {"aggregate_reward_score": 0.5, "m": 1.0}


@pytest.mark.parametrize("payload, message", [
    ({"statusCode": 500, "body": "[]"}, "statusCode 500"),
    ({"statusCode": 200, "body": "not json"}, "not JSON"),
    ({"errorMessage": "boom", "errorType": "KeyError"}, "function error: KeyError: boom"),
    ({"results": []}, "neither a list"),
    ("text", "not a list"),
    ([{"id": "a"}], "aggregate_reward_score"),
    ([{"id": "a", "aggregate_reward_score": 1, "extra": 1}], "extra"),
    ([{"id": "a", "aggregate_reward_score": float("nan")}], "finite"),
    ([{"id": "a", "aggregate_reward_score": 1,
       "metrics_list": [{"name": "m", "value": 1, "type": "Score"}]}], "Metric"),
])
def test_malformed_responses_keep_the_raw_text(payload, message):
    with pytest.raises(ProcessorError) as err:
        parse_reward_response(payload)
    assert err.value.stage == "reward" and message in err.value.message
    assert err.value.raw


def test_reward_function_outcomes_per_sample():
    calls = []

    def handler(event, context):
        calls.append(event)
        out = echo_reward(event, context)
        return [r for r in out if r["id"] != "missing"]

    fn = RewardFunction(LocalProcessor(handler))
    res = run(fn.score([sample("a"), sample("b", answer="5"), sample("missing")]))
    assert res[0].aggregate_reward_score == 1.0 and res[1].aggregate_reward_score == 0.0
    assert isinstance(res[2], ProcessorError) and "no result for id 'missing'" in str(res[2])
    assert isinstance(calls[0], list) and len(calls[0]) == 3      # one call, a bare list


def test_reward_function_that_raises_or_answers_garbage():
    def boom(event, context):
        raise RuntimeError("reward exploded")

    fn = RewardFunction(LocalProcessor(boom))
    (out,) = run(fn.score([sample()]))
    assert isinstance(out, ProcessorError) and "reward exploded" in out.message
    assert "Traceback" in out.raw
    fn = RewardFunction(LocalProcessor(lambda e, c: {"statusCode": 200, "body": "{}"}))
    with pytest.raises(ProcessorError, match="not a list"):
        run(fn.score_one(sample()))
    dup = RewardFunction(LocalProcessor(lambda e, c: echo_reward(e, c) * 2))
    with pytest.raises(ProcessorError, match="several results"):
        run(dup.score_one(sample()))


def test_batch_envelope_and_reward_handler():
    seen = []

    def fn(s: RewardSample):
        seen.append(s.id)
        return 0.25
    handler = reward_handler(fn)
    rf = RewardFunction(LocalProcessor(lambda e, c: (seen.append(type(e).__name__),
                                                     handler(e, c))[1]), envelope="batch")
    assert run(rf.score_one(sample("z"))).aggregate_reward_score == 0.25
    assert seen == ["dict", "z"]


def test_http_location_same_as_local():
    for server in lambda_server(echo_reward):
        fn = load_reward_function(url=url_of(server), retry=FAST)
        assert isinstance(fn.location, HttpProcessor)
        r = run(fn.score_one(sample(answer="4")))
        assert r.metrics() == {"aggregate_reward_score": 1.0, "correct": 1.0, "length": 1.0}
        assert json.loads(server.requests[0])[0]["reference_answer"] == "4"


def test_lambda_location_with_stubber(monkeypatch):
    boto3 = pytest.importorskip("boto3")
    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:reward"
    client = boto3.client("lambda", region_name="eu-west-1")
    body = json.dumps({"statusCode": 200, "body": json.dumps(GOOD)}).encode()
    from assay.processors import LambdaProcessor
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 200, "Payload": StreamingBody(
            io.BytesIO(body), len(body))}, {"FunctionName": arn,
                                           "InvocationType": "RequestResponse",
                                           "Payload": json.dumps(request_event(
                                               [sample("a")])).encode()})
        fn = RewardFunction(LambdaProcessor(arn, client=client, retry=FAST))
        assert run(fn.score_one(sample("a"))).aggregate_reward_score == 0.5


def test_recipe_locations(tmp_path):
    from assay.config.recipe import Recipe
    from assay.errors import ConfigError

    f = tmp_path / "rw.py"
    f.write_text("def lambda_handler(event, context):\n    return []\n")
    r = Recipe.model_validate({"evaluation": {"task": "rft_eval"},
                               "rl_env": {"reward_lambda_arn": "rw.py"}})
    assert isinstance(reward_function_for(r, base_dir=tmp_path).location, LocalProcessor)
    r = Recipe.model_validate({"evaluation": {"task": "gen_qa"}, "processor": {
        "lambda_type": "rft", "preset_reward_function": "prime_math"}})
    assert reward_function_for(r).name == "preset:prime_math"
    for bad in ({"rl_env": {"reward_lambda_arn": "arn:aws:lambda:<region>:x"}}, {}):
        with pytest.raises(ConfigError, match="rl_env.reward_lambda_arn"):
            reward_function_for(Recipe.model_validate({"evaluation": {"task": "rft_eval"},
                                                       **bad}))
    with pytest.raises(ConfigError, match="either preset_reward_function or a location"):
        load_reward_function(preset="prime_math", path="rw.py")


def test_exported_members():
    import assay.rewards as rewards
    assert rewards.__all__ == sorted(rewards.__all__)
    for name in rewards.__all__:
        assert getattr(rewards, name) is not None
    with pytest.raises(AttributeError):
        rewards.not_a_name  # noqa: B018
