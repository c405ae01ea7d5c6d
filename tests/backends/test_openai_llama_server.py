"""The openai backend against a real ``python -m llama_cpp.server`` serving the embedded model,
and its agreement with the in-process local backend."""

from __future__ import annotations

import asyncio

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.backends.types import GenerationSettings, InferenceRequest, Message

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PROMPTS = [
    (Message("system", "You are a helpful assistant."),
     Message("user", "What is the capital of France? Answer in one sentence.")),
    (Message("user", "Count from 1 to 5, one number per line."),),
    (Message("user", "Write a haiku about the sea."),),
]


def req(messages, **settings) -> InferenceRequest:
    settings.setdefault("max_new_tokens", 32)
    return InferenceRequest(messages=tuple(messages), settings=GenerationSettings(**settings))


def run_all(backend, requests):
    async def go():
        try:
            await backend.preflight()
            return [await backend.generate(r) for r in requests]
        finally:
            await backend.aclose()
    return asyncio.run(go())


def test_openai_backend_through_llama_cpp_server(llama_server):
    b = create_backend(ModelSpec.parse("openai/smollm2", {"base_url": llama_server.base_url,
                                                          "api_key_env": "ASSAY_NO_SUCH_KEY",
                                                          "timeout": 120}))
    c, plain = run_all(b, [req(PROMPTS[0], top_logprobs=5), req(PROMPTS[0])])
    assert "Paris" in c.text and c.finish_reason == "stop"
    assert c.input_tokens > 10 and c.output_tokens == len(c.logprobs)
    for t in c.logprobs:
        assert len(t.top) == 5 and t.top[0] == (t.token, t.logprob) and t.logprob <= 0
    assert "".join(t.token for t in c.logprobs) == c.text
    assert plain.text == c.text and plain.logprobs is None
    assert b.stats["retries"] == 0


def test_local_and_server_agree_at_temperature_zero(llama_server):
    """Same library, same GGUF chat template, same greedy decoding: same text and logprobs,
    once the server's own sampler defaults (repeat_penalty 1.1, ...) are neutralised."""
    requests = [req(p, top_logprobs=3) for p in PROMPTS]
    local = create_backend(ModelSpec.parse("local/smollm2"))
    remote = create_backend(ModelSpec.parse("openai/smollm2", {"base_url": llama_server.base_url,
                                                               "api_key_env": "ASSAY_NO_SUCH_KEY",
                                                               "dialect": "llama_cpp",
                                                               "timeout": 120}))
    a, b = run_all(local, requests), run_all(remote, requests)
    for x, y in zip(a, b):
        assert x.text == y.text
        assert (x.input_tokens, x.output_tokens, x.finish_reason) == \
               (y.input_tokens, y.output_tokens, y.finish_reason)
        assert [t.token for t in x.logprobs] == [t.token for t in y.logprobs]
        assert [t.logprob for t in x.logprobs] == pytest.approx([t.logprob for t in y.logprobs],
                                                                abs=1e-3)


def test_server_defaults_apply_a_repeat_penalty(llama_server):
    """Without the llama_cpp dialect the server adds repeat_penalty=1.1: a different answer
    for a prompt whose greedy answer repeats tokens (documents why the dialect exists)."""
    r = [req(PROMPTS[1])]
    local = run_all(create_backend(ModelSpec.parse("local/smollm2")), r)[0]
    plain = run_all(create_backend(ModelSpec.parse("openai/smollm2", {
        "base_url": llama_server.base_url, "api_key_env": "ASSAY_NO_SUCH_KEY"})), r)[0]
    assert local.text.startswith("1. 1")
    assert plain.text != local.text
