"""AWS Lambda processors with botocore's Stubber (no network, no credentials used)."""

from __future__ import annotations

import io
import json
import sys

import anyio
import pytest

from assay.backends.retry import RetryPolicy
from assay.errors import ConfigError, MissingDependency
from assay.processors import LambdaProcessor, ProcessorError, load_lambda_handler
from assay.processors.aws_lambda import region_of

from .conftest import NOVA_FILE, load_json

boto3 = pytest.importorskip("boto3")
from botocore.response import StreamingBody  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:my-metrics"
FAST = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0, seed=0)
OUT = {"prompt": "q", "inference_output": "4", "gold": "4"}


@pytest.fixture
def stubbed(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("lambda", region_name="eu-west-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def reply(payload, function_error=None) -> dict:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    out = {"StatusCode": 200, "ExecutedVersion": "$LATEST",
           "Payload": StreamingBody(io.BytesIO(data), len(data))}
    if function_error:
        out["FunctionError"] = function_error
    return out


def expect(event) -> dict:
    return {"FunctionName": ARN, "InvocationType": "RequestResponse",
            "Payload": json.dumps(event).encode()}


def test_sample_events_through_lambda_match_in_process(stubbed, byom):
    client, stub = stubbed
    handler = load_lambda_handler(str(NOVA_FILE))  # what the deployed function runs
    pre_event = load_json(byom / "preprocess_event.json")
    post_event = load_json(byom / "postprocess_event.json")
    for event in (pre_event, post_event):
        stub.add_response("invoke", reply(handler(event, None)), expect(event))
    proc = LambdaProcessor(ARN, client=client, retry=FAST)

    async def go():
        return (await proc.preprocess(pre_event["data"]),
                await proc.postprocess(post_event["data"]))

    body, metrics = anyio.run(go)
    assert body == pre_event["data"]
    assert metrics == load_json(byom / "postprocess_response.json")["body"]


def test_function_error_is_reported(stubbed):
    client, stub = stubbed
    err = {"errorMessage": "PostProcessor failed: division by zero",
           "errorType": "PostprocessError", "stackTrace": ["  File ..."]}
    stub.add_response("invoke", reply(err, "Unhandled"))
    proc = LambdaProcessor(ARN, client=client, retry=FAST)
    with pytest.raises(ProcessorError) as info:
        anyio.run(proc.postprocess, OUT)
    assert info.value.stage == "postprocess"
    assert info.value.message == ("Lambda function error (Unhandled): PostprocessError: "
                                  "PostProcessor failed: division by zero")
    assert json.loads(info.value.raw) == err


def test_throttling_is_retried(stubbed):
    client, stub = stubbed
    stub.add_client_error("invoke", service_error_code="TooManyRequestsException",
                          service_message="Rate exceeded", http_status_code=429)
    stub.add_client_error("invoke", service_error_code="ServiceException",
                          http_status_code=500)
    stub.add_response("invoke", reply({"statusCode": 200,
                                       "body": [{"metric": "m", "value": 1}]}))
    proc = LambdaProcessor(ARN, client=client, retry=FAST)
    assert anyio.run(proc.postprocess, OUT) == [{"metric": "m", "value": 1}]


def test_client_errors_that_are_not_transient(stubbed):
    client, stub = stubbed
    stub.add_client_error("invoke", service_error_code="ResourceNotFoundException",
                          service_message="Function not found", http_status_code=404)
    proc = LambdaProcessor(ARN, client=client, retry=FAST)
    with pytest.raises(ProcessorError, match="ResourceNotFoundException: Function not found"):
        anyio.run(proc.postprocess, OUT)


@pytest.mark.parametrize("payload, message", [
    ({"statusCode": 400, "body": {"error": "Unsupported process_type: postprocess"}},
     "statusCode 400: Unsupported process_type: postprocess"),
    (b"not json", "payload is not JSON"),
    ({"statusCode": 200, "body": {"prompt": "p"}}, "invalid postprocess response"),
])
def test_bad_payloads(stubbed, payload, message):
    client, stub = stubbed
    stub.add_response("invoke", reply(payload))
    with pytest.raises(ProcessorError, match=message):
        anyio.run(LambdaProcessor(ARN, client=client, retry=FAST).postprocess, OUT)


def test_region_comes_from_the_arn():
    assert region_of(ARN) == "eu-west-1"
    assert region_of("my-function") is None
    with pytest.raises(ConfigError):
        region_of("arn:aws:s3:::bucket")
    proc = LambdaProcessor(ARN)
    assert proc.region == "eu-west-1" and proc.name == f"lambda:{ARN}"
    assert proc._get_client().meta.region_name == "eu-west-1"
    anyio.run(proc.aclose)


def test_missing_boto3(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(MissingDependency) as info:
        LambdaProcessor(ARN)
    assert "pip install 'assay[aws]'" in str(info.value)
    assert info.value.package == "boto3"
