"""The openai backend against a scripted HTTP server on 127.0.0.1: request shape, parsing,
failure classification, retries and secrecy of the API key."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.backends.openai import OpenAIBackend
from assay.backends.types import GenerationSettings, InferenceRequest, Message
from assay.errors import BackendUnavailable, ConfigError, GenerationError

from .conftest import Reply, chat_payload, free_port

pytestmark = pytest.mark.timeout(60)

KEY = "sk-test-SECRET-0123456789abcdef"


def request(k: int = 0, **settings) -> InferenceRequest:
    return InferenceRequest(messages=(Message("system", "Be brief."), Message("user", "Hi?")),
                            settings=GenerationSettings(top_logprobs=k, **settings))


def backend(srv, **args) -> OpenAIBackend:
    base = {"base_url": srv.base_url, "retry_base_delay": 0.01, "retry_max_delay": 0.05,
            "retry_seed": 0, "timeout": 5}
    base.update(args)
    return create_backend(ModelSpec.parse("openai/test-model", base))


def generate(b, req):
    async def go():
        try:
            return await b.generate(req)
        finally:
            await b.aclose()
    return asyncio.run(go())


# -- request and response --------------------------------------------------------------------
def test_request_body_and_parsed_completion(scripted_server, monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_KEY", KEY)
    srv = scripted_server.script(Reply(200, chat_payload("hello big world", logprobs=True, k=3)))
    b = backend(srv, api_key_env="ASSAY_TEST_KEY", extra_body='{"min_p": 0}')
    c = generate(b, request(k=3, max_new_tokens=17, temperature=0.5, top_p=0.9, top_k=7,
                            seed=11, stop=("\n\n",)))
    sent = srv.posts()[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == f"Bearer {KEY}"
    assert sent["json"] == {
        "model": "test-model",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}],
        "max_tokens": 17, "temperature": 0.5, "top_p": 0.9, "seed": 11, "stream": False,
        "top_k": 7, "stop": ["\n\n"], "logprobs": True, "top_logprobs": 3, "min_p": 0,
    }
    assert c.text == "hello big world" and c.finish_reason == "stop"
    assert (c.input_tokens, c.output_tokens) == (5, 3)
    assert [t.token for t in c.logprobs] == ["hello", " big", " world"]
    assert all(len(t.top) == 3 and t.top[0] == (t.token, t.logprob) for t in c.logprobs)
    assert b.stats == {"requests": 1, "attempts": 1, "retries": 0}


def test_defaults_leave_out_top_k_stop_and_logprobs(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("ok")))
    c = generate(backend(srv, api_key_env="ASSAY_UNSET_KEY_VAR"), request())
    sent = srv.posts()[0]
    assert not {"top_k", "stop", "logprobs", "top_logprobs"} & set(sent["json"])
    assert "Authorization" not in sent["headers"]
    assert c.text == "ok" and c.logprobs is None


def test_legacy_completion_style_logprobs_are_understood(scripted_server):
    payload = chat_payload("a b")
    payload["choices"][0]["logprobs"] = {
        "tokens": ["a", " b"], "token_logprobs": [-0.5, -0.25],
        "top_logprobs": [{"a": -0.5, "x": -2.0, "y": -1.0}, {" b": -0.25}]}
    srv = scripted_server.script(Reply(200, payload))
    c = generate(backend(srv), request(k=2))
    assert c.logprobs[0].top == (("a", -0.5), ("y", -1.0))
    assert c.logprobs[1].token == " b" and c.logprobs[1].logprob == -0.25


def test_missing_logprobs_when_asked_is_a_clear_error(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("no logprobs here")))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv), request(k=5))
    e = ei.value
    assert e.kind == "bad_response" and not e.retryable and not e.transient
    assert "logprobs" in str(e) and "top_logprobs=5" in str(e)
    assert len(srv.posts()) == 1  # not retried


# -- failures and retries --------------------------------------------------------------------
def test_429_with_retry_after_seconds_is_honoured(scripted_server):
    srv = scripted_server.script(
        Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "0.3"}),
        Reply(200, chat_payload("fine")))
    b = backend(srv)
    t0 = time.monotonic()
    c = generate(b, request())
    assert c.text == "fine"
    assert time.monotonic() - t0 >= 0.28
    assert len(srv.posts()) == 2 and b.stats["attempts"] == 2 and b.stats["retries"] == 1


def test_503_with_retry_after_http_date(scripted_server):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1 < wait <= 2
    srv = scripted_server.script(Reply(503, "busy", {"Retry-After": when}),
                                 Reply(200, chat_payload("fine")))
    b = backend(srv)
    t0 = time.monotonic()
    assert generate(b, request()).text == "fine"
    assert 0.9 <= time.monotonic() - t0 < 4
    assert b.stats["attempts"] == 2


def test_rate_limit_exhausted_keeps_kind_status_and_raw(scripted_server):
    srv = scripted_server.script(Reply(429, {"error": {"message": "quota"}}, {"Retry-After": "0"}))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv, max_retries=2), request())
    e = ei.value
    assert (e.kind, e.status, e.transient, e.attempts) == ("rate_limit", 429, True, 3)
    assert not e.retryable  # already retried: an outer retry loop must not start over
    assert "quota" in str(e) and "quota" in e.raw
    assert len(srv.posts()) == 3


def test_500_then_success(scripted_server):
    srv = scripted_server.script(Reply(500, "oops"), Reply(502, "bad gateway"),
                                 Reply(200, chat_payload("recovered")))
    b = backend(srv)
    assert generate(b, request()).text == "recovered"
    assert b.stats == {"requests": 1, "attempts": 3, "retries": 2}


def test_server_error_raw_is_truncated(scripted_server):
    srv = scripted_server.script(Reply(500, "x" * 5000))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv, max_retries=0), request())
    assert ei.value.kind == "server" and len(ei.value.raw) == 2000


def test_bad_request_is_not_retried(scripted_server):
    srv = scripted_server.script(Reply(400, {"error": {"message": "bad max_tokens"}}))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv), request())
    assert (ei.value.kind, ei.value.status, ei.value.retryable) == ("bad_request", 400, False)
    assert "bad max_tokens" in str(ei.value)
    assert len(srv.posts()) == 1


def test_hanging_server_times_out_and_is_retried(scripted_server):
    srv = scripted_server.script(Reply(mode="hang"))
    t0 = time.monotonic()
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv, timeout=0.3, max_retries=1), request())
    assert ei.value.kind == "timeout" and ei.value.transient and ei.value.attempts == 2
    assert len(srv.posts()) == 2
    assert time.monotonic() - t0 < 5


def test_truncated_body_is_bad_response_and_retried(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("never seen"), mode="truncate"),
                                 Reply(200, chat_payload("second try")))
    b = backend(srv)
    assert generate(b, request()).text == "second try"
    assert b.stats["attempts"] == 2


def test_truncated_body_classification(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("never seen"), mode="truncate"))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv, max_retries=1), request())
    assert ei.value.kind == "bad_response" and ei.value.transient and ei.value.attempts == 2


def test_invalid_json_body_is_bad_response(scripted_server):
    body = json.dumps(chat_payload("cut"))[:40]
    srv = scripted_server.script(Reply(200, body))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv, max_retries=1), request())
    e = ei.value
    assert e.kind == "bad_response" and e.transient and e.raw == body
    assert len(srv.posts()) == 2


def test_response_without_choices_is_bad_response(scripted_server):
    srv = scripted_server.script(Reply(200, {"object": "chat.completion", "choices": []}))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv, max_retries=0), request())
    assert ei.value.kind == "bad_response"


def test_connection_closed_without_reply_is_connection_error(scripted_server):
    srv = scripted_server.script(Reply(mode="close"))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv, max_retries=1), request())
    assert ei.value.kind == "connection" and ei.value.attempts == 2


def test_unreachable_endpoint_is_connection_error():
    url = f"http://127.0.0.1:{free_port()}/v1"
    b = create_backend(ModelSpec.parse("openai/m", {"base_url": url, "max_retries": 1,
                                                    "retry_base_delay": 0.01}))
    with pytest.raises(GenerationError) as ei:
        generate(b, request())
    assert ei.value.kind == "connection" and ei.value.attempts == 2


# -- preflight ---------------------------------------------------------------------------------
def test_preflight_unreachable_raises_backend_unavailable():
    url = f"http://127.0.0.1:{free_port()}/v1"
    b = create_backend(ModelSpec.parse("openai/m", {"base_url": url}))
    with pytest.raises(BackendUnavailable, match=r"cannot reach http://127\.0\.0\.1:\d+/v1"):
        asyncio.run(b.preflight())


def test_preflight_ok_and_rejected_key(scripted_server):
    srv = scripted_server.script(Reply(200, {"object": "list", "data": []}))
    asyncio.run(backend(srv).preflight())
    assert srv.requests[0]["method"] == "GET" and srv.requests[0]["path"] == "/v1/models"
    srv.script(Reply(401, {"error": {"message": "bad key"}}))
    with pytest.raises(BackendUnavailable, match="rejected the API key"):
        asyncio.run(backend(srv).preflight())


def test_preflight_hanging_endpoint_is_bounded(scripted_server):
    srv = scripted_server.script(Reply(mode="hang"))
    b = backend(srv, preflight_timeout=0.3)
    t0 = time.monotonic()
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        asyncio.run(b.preflight())
    assert time.monotonic() - t0 < 5


# -- the key stays secret ------------------------------------------------------------------------
def test_api_key_never_appears_in_errors_reprs_or_identity(scripted_server, monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_KEY", KEY)
    # A server that echoes the key back in its error body (some do, partially masked or not).
    srv = scripted_server.script(Reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    b = backend(srv, api_key_env="ASSAY_TEST_KEY")
    with pytest.raises(GenerationError) as ei:
        generate(b, request())
    e = ei.value
    assert srv.posts()[0]["headers"]["Authorization"] == f"Bearer {KEY}"  # it was sent...
    for text in (str(e), repr(e), e.raw or "", e.message, repr(b), str(b),
                 json.dumps(b.identity()), repr(vars(b))):
        assert KEY not in text  # ...but never shown
    assert "<redacted>" in e.raw and "ASSAY_TEST_KEY" in str(e)

    url = f"http://{KEY}@127.0.0.1:{free_port()}/v1?key={KEY}"
    b2 = create_backend(ModelSpec.parse("openai/m", {"base_url": url, "max_retries": 0,
                                                     "api_key_env": "ASSAY_TEST_KEY"}))
    with pytest.raises(GenerationError) as ei:
        generate(b2, request())
    with pytest.raises(BackendUnavailable) as ei2:
        asyncio.run(b2.preflight())
    for text in (str(ei.value), repr(ei.value), str(ei2.value), repr(b2), json.dumps(b2.identity())):
        assert KEY not in text


def test_api_key_argument_is_refused():
    with pytest.raises(ConfigError, match="api_key_env"):
        create_backend(ModelSpec.parse("openai/m", {"api_key": KEY}))


def test_default_endpoint_without_key_is_unavailable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(BackendUnavailable, match="OPENAI_API_KEY"):
        create_backend(ModelSpec.parse("openai/gpt-4o-mini"))


def test_factory_validates_arguments(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)   # http://x with a key is refused
    with pytest.raises(ConfigError, match="unknown openai argument"):
        create_backend(ModelSpec.parse("openai/m", {"base_url": "http://x/v1", "nope": 1}))
    with pytest.raises(ConfigError, match="extra_body"):
        create_backend(ModelSpec.parse("openai/m", {"base_url": "http://x/v1", "extra_body": "{"}))
    with pytest.raises(ConfigError, match="base_url"):
        create_backend(ModelSpec.parse("openai/m", {"base_url": "ftp://x"}))
    with pytest.raises(ConfigError, match="timeout"):
        create_backend(ModelSpec.parse("openai/m", {"base_url": "http://x/v1", "timeout": "fast"}))
    b = create_backend(ModelSpec.parse("openai/m", {"base_url": "http://x:1/v1/", "concurrency": "3"}))
    assert b.max_concurrency == 3 and b.name == "openai/m" and b.cacheable
    assert b.identity() == {"provider": "openai", "model": "m", "base_url": "http://x:1/v1",
                            "dialect": "openai", "extra_body": {}}
    with pytest.raises(ConfigError, match="dialect"):
        create_backend(ModelSpec.parse("openai/m", {"base_url": "http://x/v1", "dialect": "vllm"}))


def test_llama_cpp_dialect_sends_neutral_sampler_knobs(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("ok")))
    generate(backend(srv, dialect="llama_cpp", extra_body={"min_p": 0.1}), request())
    sent = srv.posts()[0]["json"]
    assert (sent["repeat_penalty"], sent["top_k"], sent["min_p"]) == (1.0, 0, 0.1)


def test_backend_is_usable_from_a_second_event_loop(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("one")))
    b = backend(srv)
    assert generate(b, request()).text == "one"  # generate + aclose in one asyncio.run
    assert generate(b, request()).text == "one"  # a new loop gets a fresh client
    assert len(srv.posts()) == 2


def test_outer_retry_loop_does_not_multiply_attempts(scripted_server):
    """The runner wraps generate() in retry_async too; the backend's own retries suffice."""
    from assay.backends.retry import RetryPolicy, retry_async

    srv = scripted_server.script(Reply(500, "down"))
    b = backend(srv, max_retries=2)

    async def go():
        try:
            return await retry_async(lambda: b.generate(request()), RetryPolicy(max_attempts=5))
        finally:
            await b.aclose()

    with pytest.raises(GenerationError) as ei:
        asyncio.run(go())
    assert len(srv.posts()) == 3 and ei.value.attempts == 3 and ei.value.kind == "server"


def test_proxy_environment_is_not_used_for_loopback(scripted_server, monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(var, dead)
    srv = scripted_server.script(Reply(200, chat_payload("direct")))
    b = backend(srv)
    asyncio.run(b.preflight())
    assert generate(b, request()).text == "direct"
    assert b._trust_env is False
    assert create_backend(ModelSpec.parse("openai/m", {"base_url": "https://example.org/v1"}))._trust_env


# -- the key is never sent in clear text to a remote host ----------------------------------------
@pytest.mark.parametrize("url", ["http://10.1.2.3:8000/v1", "http://api.example.com/v1",
                                 "http://127.0.0.1.example.com/v1", "http://u:p@192.168.1.9/v1"])
def test_key_over_plain_http_to_a_remote_host_is_refused(url, monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_KEY", KEY)
    with pytest.raises(ConfigError, match="refusing to send the API key .*allow_insecure_http") as ei:
        create_backend(ModelSpec.parse("openai/m", {"base_url": url,
                                                    "api_key_env": "ASSAY_TEST_KEY"}))
    assert KEY not in str(ei.value) and "\n" not in str(ei.value) and "u:p" not in str(ei.value)
    b = create_backend(ModelSpec.parse("openai/m", {"base_url": url, "api_key_env": "ASSAY_TEST_KEY",
                                                    "allow_insecure_http": "true"}))
    assert b._headers()["Authorization"] == f"Bearer {KEY}"    # the user opted in
    with pytest.raises(ConfigError, match="allow_insecure_http must be true or false"):
        create_backend(ModelSpec.parse("openai/m", {"base_url": url, "api_key_env": "ASSAY_TEST_KEY",
                                                    "allow_insecure_http": "maybe"}))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "http://127.8.9.10/v1",
                                 "http://localhost:8000/v1", "http://[::1]:8000/v1",
                                 "https://api.example.com/v1", "http://LOCALHOST./v1"])
def test_key_over_https_or_to_loopback_is_allowed(url, monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_KEY", KEY)
    b = create_backend(ModelSpec.parse("openai/m", {"base_url": url,
                                                    "api_key_env": "ASSAY_TEST_KEY"}))
    assert b._headers()["Authorization"] == f"Bearer {KEY}"


def test_plain_http_to_a_remote_host_without_a_key_is_allowed(monkeypatch):
    monkeypatch.delenv("ASSAY_UNSET_KEY_VAR", raising=False)
    b = create_backend(ModelSpec.parse("openai/m", {"base_url": "http://10.1.2.3:8000/v1",
                                                    "api_key_env": "ASSAY_UNSET_KEY_VAR"}))
    assert "Authorization" not in b._headers()


# -- content: null ---------------------------------------------------------------------------------
def _null_content(finish_reason="stop", **message) -> dict:
    payload = chat_payload("x", finish_reason=finish_reason)
    payload["choices"][0]["message"] = {"role": "assistant", "content": None, **message}
    return payload


def test_null_content_is_an_empty_response_error(scripted_server):
    srv = scripted_server.script(Reply(200, _null_content("length")))
    with pytest.raises(GenerationError) as ei:
        generate(backend(srv), request())
    e = ei.value
    assert e.kind == "empty_response" and not e.retryable and not e.transient
    assert "content null" in e.message and "'length'" in e.message
    assert '"content": null' in e.raw
    assert len(srv.posts()) == 1                 # a deterministic answer: not retried


def test_null_content_with_a_tool_call_is_not_an_error(scripted_server):
    call = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    srv = scripted_server.script(Reply(200, _null_content("tool_calls", tool_calls=call)))
    c = generate(backend(srv), request())
    assert c.text == "" and c.finish_reason == "tool_calls"


def test_null_content_is_recorded_on_the_example(scripted_server, tmp_path):
    import assay
    from tests.conftest import write_jsonl, write_recipe

    srv = scripted_server.script(Reply(200, _null_content()))
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": f"q{i}", "response": "a"}
                                              for i in range(3)])
    recipe = write_recipe(tmp_path / "r.yaml")
    res = assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                  overwrite=True),
                         assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                         assay__model="openai/test-model", assay__cache=False,
                         assay__model_args={"base_url": srv.base_url, "max_retries": 0,
                                            "api_key_env": "ASSAY_UNSET_KEY_VAR"})
    recs = list(res.records())
    assert len(recs) == 3 and res.n_errors == 3
    for r in recs:
        assert r.prediction is None
        assert (r.error.stage, r.error.kind) == ("inference", "empty_response")
        assert '"content": null' in r.error.raw


def test_base_url_query_stays_after_the_path_and_the_key_wins_over_userinfo(monkeypatch):
    """Azure-style ``?api-version=`` must follow the route, and with an API key the URL's
    user-info must not replace the Bearer header with Basic auth."""
    monkeypatch.setenv("ASSAY_TEST_KEY", KEY)
    b = create_backend(ModelSpec.parse("openai/m", {
        "base_url": "http://u:pw@127.0.0.1:9/v1?api-version=2024-02-01",
        "api_key_env": "ASSAY_TEST_KEY"}))
    assert b._url("/chat/completions") == \
        "http://127.0.0.1:9/v1/chat/completions?api-version=2024-02-01"
    monkeypatch.delenv("ASSAY_TEST_KEY")
    b = create_backend(ModelSpec.parse("openai/m", {
        "base_url": "http://u:pw@127.0.0.1:9/v1/", "api_key_env": "ASSAY_TEST_KEY"}))
    assert b._url("/models") == "http://u:pw@127.0.0.1:9/v1/models"
