"""HTTP endpoint processors against real local servers (127.0.0.1, shut down after each test)."""

from __future__ import annotations

import json
import socket

import anyio
import pytest

from assay.backends.retry import RetryPolicy
from assay.errors import ConfigError
from assay.processors import HttpProcessor, LocalProcessor, ProcessorError, load_lambda_handler

from .conftest import KIT_FILE, NOVA_FILE, lambda_server, load_json, url_of

pytestmark = pytest.mark.timeout(60)

FAST = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0, seed=0)
OUT = {"prompt": "q", "inference_output": "4", "gold": "4"}
GOOD = {"statusCode": 200, "body": [{"metric": "m", "value": 1.0}]}


@pytest.fixture(params=[NOVA_FILE, KIT_FILE], ids=["nova", "llm_eval_kit"])
def served(request):
    """The user file, loaded once in process and once behind an HTTP server."""
    for server in lambda_server(load_lambda_handler(str(request.param))):
        yield request.param, server


def _rows(byom):
    pre = load_json(byom / "preprocess_event.json")["data"]
    post = load_json(byom / "postprocess_event.json")["data"]
    return [
        ("preprocess", pre),
        ("preprocess", {"system": None, "prompt": " What is 2+2? ", "gold": "4"}),
        ("postprocess", post),
        ("postprocess", {"prompt": "p", "inference_output": "Paris.", "gold": "paris"}),
        ("postprocess", {"prompt": "p", "inference_output": "<|x|>Lyon", "gold": "Paris"}),
    ]


def test_same_outputs_in_process_and_over_http(served, byom):
    path, server = served
    local = LocalProcessor.from_target(str(path))
    remote = HttpProcessor(url_of(server), retry=FAST)

    async def go():
        pairs = []
        for stage, row in _rows(byom):
            pairs.append((await getattr(local, stage)(row), await getattr(remote, stage)(row)))
        await remote.aclose()
        return pairs

    pairs = anyio.run(go)
    assert all(a == b for a, b in pairs), pairs
    assert [json.loads(r) for r in server.requests][0] == load_json(
        byom / "preprocess_event.json")
    if path == NOVA_FILE:  # the documented sample response, over the wire
        assert pairs[2][1] == load_json(byom / "postprocess_response.json")["body"]


def test_user_exception_over_http_keeps_the_message():
    for server in lambda_server(load_lambda_handler(str(KIT_FILE))):
        remote = HttpProcessor(url_of(server), retry=RetryPolicy(max_attempts=1))
        with pytest.raises(ProcessorError) as info:
            anyio.run(remote.preprocess, {"prompt": "  ", "gold": "g"})
    assert "HTTP 500" in info.value.message
    assert "PreprocessError: Preprocessing failed: empty prompt" in info.value.message


def test_retries_500_then_succeeds(scripted_server):
    scripted_server.replies.extend([(500, {"errorMessage": "cold"}, {}),
                                    (503, b"busy", {"retry-after": "0"}), (200, GOOD, {})])
    proc = HttpProcessor(url_of(scripted_server), retry=FAST)
    assert anyio.run(proc.postprocess, OUT) == [{"metric": "m", "value": 1.0}]
    assert len(scripted_server.requests) == 3


def test_gives_up_after_the_policy(scripted_server):
    scripted_server.replies.extend([(500, {"error": "down"}, {})] * 3)
    proc = HttpProcessor(url_of(scripted_server), retry=FAST)
    with pytest.raises(ProcessorError) as info:
        anyio.run(proc.postprocess, OUT)
    assert info.value.stage == "postprocess"
    assert "HTTP 500" in info.value.message and "down" in info.value.message
    assert "gave up after 3 attempts" in info.value.message
    assert len(scripted_server.requests) == 3


@pytest.mark.parametrize("reply, message", [
    ((400, {"error": "bad event"}, {}), "HTTP 400 from http://127.0.0.1"),
    ((200, {"statusCode": 400, "body": {"error": "Unsupported process_type: x"}}, {}),
     "statusCode 400: Unsupported process_type: x"),
    ((200, b"<html>", {}), "response is not JSON"),
    ((200, {"statusCode": 200, "body": [{"metric": "m"}]}, {}),
     "invalid postprocess response: body.0.value"),
])
def test_non_retryable_failures(scripted_server, reply, message):
    scripted_server.replies.extend([reply, (200, GOOD, {})])
    proc = HttpProcessor(url_of(scripted_server), retry=FAST)
    with pytest.raises(ProcessorError, match=message.replace(".", r"\.")):
        anyio.run(proc.postprocess, OUT)
    assert len(scripted_server.requests) == 1


def test_api_gateway_string_body(scripted_server):
    scripted_server.replies.append(
        (200, {"statusCode": 200, "headers": {"content-type": "application/json"},
               "isBase64Encoded": False, "body": json.dumps(GOOD["body"])}, {}))
    proc = HttpProcessor(url_of(scripted_server), retry=FAST)
    assert anyio.run(proc.postprocess, OUT) == GOOD["body"]


def test_timeout_is_retried(scripted_server):
    scripted_server.replies.extend([(200, GOOD, {}, 1.5), (200, GOOD, {})])
    proc = HttpProcessor(url_of(scripted_server), retry=FAST, timeout=0.3)
    assert anyio.run(proc.postprocess, OUT) == GOOD["body"]
    assert len(scripted_server.requests) == 2


def test_refused_connection_is_retried_then_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = HttpProcessor(f"http://127.0.0.1:{port}/x", retry=FAST, timeout=2)
    with pytest.raises(ProcessorError, match="cannot reach .*gave up after 3 attempts"):
        anyio.run(proc.postprocess, OUT)


def test_bad_urls_and_secrets_in_names():
    with pytest.raises(ConfigError):
        HttpProcessor("ftp://example.com/x")
    proc = HttpProcessor("https://user:secret@example.com/fn?key=abc")
    assert "secret" not in proc.name and "abc" not in proc.name
    assert proc.name == "http:https://example.com/fn"


def test_one_processor_across_event_loops(scripted_server):
    scripted_server.replies.extend([(200, GOOD, {})] * 2)
    proc = HttpProcessor(url_of(scripted_server), retry=FAST)
    for _ in range(2):
        assert anyio.run(proc.postprocess, OUT) == GOOD["body"]
    anyio.run(proc.aclose)
