"""The bedrock backend: the Converse request and answer through botocore's Stubber on the
client the backend creates, and through a fake Converse endpoint on 127.0.0.1 (fake
credentials: nothing reaches AWS). Retries, per-example errors, images, secrecy."""

from __future__ import annotations

import asyncio
import base64
import random
import sys

import pytest

pytest.importorskip("boto3")
from botocore.stub import ANY, Stubber  # noqa: E402

from assay.backends.base import ModelSpec, create_backend  # noqa: E402
from assay.backends.bedrock import BedrockBackend  # noqa: E402
from assay.backends.bedrock_wire import (classify_error, converse_messages,  # noqa: E402
                                         image_block, parse_converse)
from assay.backends.retry import RetryPolicy  # noqa: E402
from assay.backends.types import GenerationSettings, InferenceRequest, Message  # noqa: E402
from assay.errors import BackendUnavailable, ConfigError, GenerationError  # noqa: E402
from assay.runner.context import ExampleContext, infer_request  # noqa: E402

from .fake_converse import FakeConverse  # noqa: E402

pytestmark = pytest.mark.timeout(60)

ACCESS_KEY = "AKIAFAKEACCESS0KEY77"
SECRET_KEY = "fAkE/SeCrEt+0123456789abcdefGHIJKLMNOPQR"
MODEL = "amazon.nova-lite-v1:0"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-fake-png-bytes"
JPEG = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"


def data_uri(fmt: str, data: bytes, b64: str = "base64") -> str:
    return f"data:image/{fmt};{b64},{base64.b64encode(data).decode()}"


@pytest.fixture()
def aws_env(monkeypatch, tmp_path):
    """Fake credentials and region in the environment; no ~/.aws file, no instance metadata."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
                "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_ENDPOINT_URL",
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture()
def fake():
    with FakeConverse() as server:
        yield server


def make(**args) -> BedrockBackend:
    base = {"retry_base_delay": 0, "retry_max_delay": 0, "retry_seed": 0}
    base.update(args)
    return create_backend(ModelSpec.parse(f"bedrock/{MODEL}", base))


def req(*messages: Message, **settings) -> InferenceRequest:
    msgs = messages or (Message("system", "Be brief."), Message("user", "Capital of France?"))
    return InferenceRequest(messages=msgs, settings=GenerationSettings(**settings))


def run(coro):
    return asyncio.run(coro)


async def generate_and_close(b: BedrockBackend, request: InferenceRequest):
    try:
        return await b.generate(request)
    finally:
        await b.aclose()


def answer(text: str = "Paris.", stop: str = "end_turn", tokens=(12, 3)) -> dict:
    return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": stop, "usage": {"inputTokens": tokens[0], "outputTokens": tokens[1],
                                          "totalTokens": sum(tokens)},
            "metrics": {"latencyMs": 5}}


# -- Stubber: the client the backend created -------------------------------------------------
def test_normal_answer_request_and_completion(aws_env):
    b = make()
    with Stubber(b.client) as stub:
        stub.add_response("converse", answer("Paris.", "max_tokens"), expected_params={
            "modelId": MODEL,
            "system": [{"text": "Be brief."}],
            "messages": [{"role": "user", "content": [{"text": "Capital of France?"}]}],
            "inferenceConfig": {"maxTokens": 64, "temperature": 0.5, "topP": 0.9,
                                "stopSequences": ["\n\n"]},
        })
        c = run(generate_and_close(b, req(max_new_tokens=64, temperature=0.5, top_p=0.9,
                                          stop=("\n\n",))))
        stub.assert_no_pending_responses()
    assert (c.text, c.input_tokens, c.output_tokens, c.finish_reason) == ("Paris.", 12, 3,
                                                                         "length")
    assert c.logprobs is None
    assert b.stats == {"requests": 1, "attempts": 1, "retries": 0}
    assert b.supports_images is True and b.supports_loglikelihood is False


def test_top_p_of_one_is_not_sent(aws_env):
    """topP 1.0 is no truncation; leaving it out lets models that refuse temperature+topP
    together answer."""
    b = make()
    with Stubber(b.client) as stub:
        stub.add_response("converse", answer(), expected_params={
            "modelId": MODEL, "messages": ANY, "system": ANY,
            "inferenceConfig": {"maxTokens": 2048, "temperature": 0.0}})
        run(generate_and_close(b, req()))
        stub.assert_no_pending_responses()


def test_throttling_is_retried_then_succeeds(aws_env):
    b = make()
    with Stubber(b.client) as stub:
        stub.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        stub.add_client_error("converse", "ServiceUnavailableException", "busy", 503)
        stub.add_response("converse", answer("Paris."))
        c = run(generate_and_close(b, req()))
        stub.assert_no_pending_responses()
    assert c.text == "Paris."
    assert b.stats == {"requests": 1, "attempts": 3, "retries": 2}


def test_throttling_retries_are_bounded(aws_env):
    b = make(max_retries=2)
    with Stubber(b.client) as stub:
        for _ in range(3):
            stub.add_client_error("converse", "ThrottlingException", "Rate exceeded", 429)
        with pytest.raises(GenerationError) as info:
            run(generate_and_close(b, req()))
        stub.assert_no_pending_responses()
    err = info.value
    assert err.kind == "rate_limit" and err.attempts == 3
    assert err.retryable is False and err.transient is True   # the runner must not retry again
    assert "Rate exceeded" in err.message and "gave up after 3 attempts" in err.message


@pytest.mark.parametrize("code,status,kind", [("ValidationException", 400, "bad_request"),
                                              ("AccessDeniedException", 403, "bad_request"),
                                              ("ModelErrorException", 424, "model")])
def test_non_retryable_error_is_recorded_on_the_example(aws_env, code, status, kind):
    """Through the runner's per-example path: one attempt (a second call would find no stubbed
    answer and abort), the error is data on the example with Bedrock's message kept."""
    b = make()
    message = f"The provided request is not valid ({code} detail)"
    with Stubber(b.client) as stub:
        stub.add_client_error("converse", code, message, status)

        async def go():
            ctx = ExampleContext(backend=b, settings=GenerationSettings(),
                                 semaphore=asyncio.Semaphore(2), retry=RetryPolicy(seed=0),
                                 rng=random.Random(0))
            try:
                return await infer_request(None, req(), ctx)
            finally:
                await b.aclose()

        completion, error, _cached, attempts, _lat = run(go())
        stub.assert_no_pending_responses()
    assert completion is None and attempts == 1
    assert (error.stage, error.kind) == ("inference", kind)
    assert message in error.message and code in error.message and f"HTTP {status}" in error.message


def test_image_blocks_carry_the_decoded_bytes_after_the_text(aws_env):
    b = make()
    user = Message("user", "What is shown?",
                   (data_uri("png", PNG), data_uri("JPG", JPEG, b64="Base64")))
    with Stubber(b.client) as stub:
        stub.add_response("converse", answer("a cat"), expected_params={
            "modelId": MODEL, "inferenceConfig": ANY,
            "messages": [{"role": "user", "content": [
                {"text": "What is shown?"},
                {"image": {"format": "png", "source": {"bytes": PNG}}},
                {"image": {"format": "jpeg", "source": {"bytes": JPEG}}}]}]})
        assert run(generate_and_close(b, req(user))).text == "a cat"
        stub.assert_no_pending_responses()


def test_top_k_only_through_the_named_field(aws_env):
    with pytest.raises(ConfigError, match="top_k_field"):
        make().build_request(req(top_k=40))
    b = make(top_k_field="inferenceConfig.topK", additional_fields='{"inferenceConfig": {"x": 1}}')
    with Stubber(b.client) as stub:
        stub.add_response("converse", answer(), expected_params={
            "modelId": MODEL, "messages": ANY, "system": ANY, "inferenceConfig": ANY,
            "additionalModelRequestFields": {"inferenceConfig": {"x": 1, "topK": 40}}})
        run(generate_and_close(b, req(top_k=40)))
        stub.assert_no_pending_responses()
    assert b.additional_fields == {"inferenceConfig": {"x": 1}}   # not mutated per request


def test_logprobs_request_is_refused_before_sending(aws_env):
    b = make()
    with Stubber(b.client):   # nothing stubbed: a call would fail differently
        with pytest.raises(ConfigError) as info:
            run(generate_and_close(b, req(top_logprobs=5)))
    msg = str(info.value)
    assert "no log-probabilities" in msg and "top_logprobs: 0" in msg and "\n" not in msg


# -- configuration -----------------------------------------------------------------------------
def test_missing_boto3_is_one_line_with_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(BackendUnavailable) as info:
        create_backend(ModelSpec.parse(f"bedrock/{MODEL}"))
    assert "pip install 'assay[aws]'" in str(info.value) and "\n" not in str(info.value)


def test_bad_arguments_are_config_errors(aws_env):
    with pytest.raises(ConfigError, match="do not pass AWS credentials"):
        make(aws_secret_access_key="x")
    with pytest.raises(ConfigError, match="unknown bedrock argument"):
        make(regoin="us-west-2")
    with pytest.raises(ConfigError, match="endpoint_url"):
        make(endpoint_url="127.0.0.1:9")
    with pytest.raises(ConfigError, match="needs a model id"):
        create_backend(ModelSpec.parse("bedrock"))


def test_region_and_credentials_are_checked_before_any_request(aws_env, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(BackendUnavailable, match="no AWS region"):
        run(make().preflight())
    b = make(region="eu-west-3")
    run(b.preflight())
    assert b.identity()["region"] == "eu-west-3"
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(BackendUnavailable, match="no AWS credentials"):
        run(make(region="eu-west-3").preflight())
    with pytest.raises(BackendUnavailable, match="profile 'nope'"):
        run(make(profile="nope").preflight())


# -- the fake Converse endpoint on 127.0.0.1 ---------------------------------------------------
def test_profile_from_aws_files_and_region_precedence(aws_env, monkeypatch, tmp_path, fake):
    """-M profile reads ~/.aws/config and credentials; AWS_REGION beats the profile's region
    (as in the AWS CLI) and -M region beats both."""
    (tmp_path / "config").write_text("[profile evals]\nregion = ap-south-1\n")
    (tmp_path / "credentials").write_text("[evals]\naws_access_key_id = AKIAFROMPROFILEFILE1\n"
                                          "aws_secret_access_key = profile/secret/value1234\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_REGION")
    regions = []
    for env_region, arg in ((None, None), ("ca-central-1", None), ("ca-central-1", "sa-east-1")):
        if env_region:
            monkeypatch.setenv("AWS_REGION", env_region)
        b = make(profile="evals", endpoint_url=fake.url, **({"region": arg} if arg else {}))
        run(generate_and_close(b, req()))
        regions.append(fake.requests[-1].region)
        assert fake.requests[-1].access_key_id == "AKIAFROMPROFILEFILE1"
    assert regions == ["ap-south-1", "ca-central-1", "sa-east-1"]


def test_through_fake_endpoint_with_images_and_sigv4_scope(aws_env, fake):
    b = make(endpoint_url=fake.url, region="eu-west-3", timeout=10)
    user = Message("user", "Describe", (data_uri("webp", b"RIFF-webp"),))
    c = run(generate_and_close(b, req(Message("system", "sys"), user, max_new_tokens=7)))
    assert c.text == "echo: Describe" and c.finish_reason == "stop"
    (seen,) = fake.requests
    assert seen.model == MODEL and seen.region == "eu-west-3" and seen.service == "bedrock"
    assert seen.access_key_id == ACCESS_KEY   # signed with the environment's credentials
    assert seen.images == [("webp", b"RIFF-webp")]
    assert seen.body["system"] == [{"text": "sys"}]
    assert seen.body["inferenceConfig"] == {"maxTokens": 7, "temperature": 0.0}
    assert fake.rejected == []
    ident = b.identity()
    assert ident["endpoint_url"] == fake.url and ident["region"] == "eu-west-3"


def test_fake_endpoint_errors_keep_message_and_hide_credentials(aws_env, fake):
    """An error body that echoes the credentials (as a signature-mismatch message can)
    reaches the example with the message, minus the key id and secret."""
    b = make(endpoint_url=fake.url, timeout=10)
    fake.fail("ThrottlingException", 429, times=1)
    fake.fail("AccessDeniedException", 403,
              message=f"User with key {ACCESS_KEY} and secret {SECRET_KEY} may not call this")
    with pytest.raises(GenerationError) as info:
        run(generate_and_close(b, req()))
    err = info.value
    assert err.kind == "bad_request" and err.status == 403 and len(fake.requests) == 2
    text = f"{err.message} {err.raw} {b!r} {b.identity()}"
    assert "may not call this" in err.message and "IAM permissions" in err.message
    assert ACCESS_KEY not in text and SECRET_KEY not in text and "<redacted>" in err.message


def test_fake_endpoint_unreachable_is_a_bounded_connection_error(aws_env):
    from .conftest import free_port

    b = make(endpoint_url=f"http://127.0.0.1:{free_port()}", max_retries=1, timeout=2)
    with pytest.raises(GenerationError) as info:
        run(generate_and_close(b, req()))
    assert info.value.kind == "connection" and info.value.attempts == 2


# -- the wire helpers ----------------------------------------------------------------------------
def test_wire_helpers():
    assert image_block(data_uri("gif", b"GIF89a"))["image"] == {"format": "gif",
                                                                "source": {"bytes": b"GIF89a"}}
    with pytest.raises(GenerationError, match="'bmp' is not accepted"):
        image_block(data_uri("bmp", b"BM"))
    with pytest.raises(GenerationError, match="not valid base64"):
        image_block("data:image/png;base64,***")
    system, msgs = converse_messages((Message("system", "a"), Message("user", "", ("data:image/"
                                      "png;base64,AAAA",)), Message("assistant", "b")))
    assert system == [{"text": "a"}]
    assert msgs[0]["content"] == [{"image": {"format": "png", "source": {"bytes": b"\0\0\0"}}}]
    assert msgs[1] == {"role": "assistant", "content": [{"text": "b"}]}
    with pytest.raises(GenerationError, match="no 'tool' role"):
        converse_messages((Message("tool", "x"),))
    with pytest.raises(GenerationError) as info:
        parse_converse({"output": {"message": {"content": []}}, "stopReason": "content_filtered"},
                       "bedrock/m")
    assert info.value.kind == "empty_response" and "content_filtered" in info.value.message
    c = parse_converse({"output": {"message": {"content": [
        {"reasoningContent": {"reasoningText": {"text": "hmm"}}}, {"text": "A"}, {"text": "B"}]}},
        "stopReason": "guardrail_intervened", "usage": {"inputTokens": 1, "outputTokens": 2}}, "m")
    assert (c.text, c.finish_reason, c.output_tokens) == ("AB", "content_filter", 2)
    assert classify_error("ThrottlingException", 429) == ("rate_limit", True)
    assert classify_error("ModelTimeoutException", 408) == ("timeout", True)
    assert classify_error("InternalServerException", 500) == ("server", True)
    assert classify_error("ValidationException", 400) == ("bad_request", False)
    assert classify_error("SomethingNew", 502) == ("server", True)
    assert classify_error("SomethingNew", 400) == ("bad_request", False)
