"""The local (llama.cpp) backend. Tests marked ``slow`` run the embedded SmolLM2 model."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.backends.local import LocalBackend, file_digest
from assay.backends.types import GenerationSettings, InferenceRequest, Message
from assay.errors import BackendUnavailable, ConfigError, GenerationError, MissingDependency

pytestmark = pytest.mark.timeout(300)

QUESTION = (Message("system", "You are a helpful assistant."),
            Message("user", "What is the capital of France? Answer in one sentence."))


def req(messages=QUESTION, **settings) -> InferenceRequest:
    settings.setdefault("max_new_tokens", 32)
    return InferenceRequest(messages=tuple(messages), settings=GenerationSettings(**settings))


@pytest.fixture(scope="module")
def smollm2(smollm2_path):
    b = create_backend(ModelSpec.parse("local/smollm2"))
    asyncio.run(b.preflight())
    yield b
    asyncio.run(b.aclose())


def gen(b, r):
    return asyncio.run(b.generate(r))


# -- no model needed -------------------------------------------------------------------------
def test_missing_gguf_path_names_the_path(tmp_path):
    missing = tmp_path / "nope" / "model.gguf"
    with pytest.raises(BackendUnavailable) as ei:
        create_backend(ModelSpec.parse(f"local/{missing}"))
    assert str(missing) in str(ei.value) and "not found" in str(ei.value)


def test_unknown_local_model_name():
    with pytest.raises(BackendUnavailable, match="local/smollm2"):
        create_backend(ModelSpec.parse("local/llama-70b"))


def test_missing_llama_cpp_is_a_missing_dependency(monkeypatch, tmp_path):
    f = tmp_path / "m.gguf"
    f.write_bytes(b"GGUF" + b"\0" * 64)
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp -> ImportError
    with pytest.raises(MissingDependency) as ei:
        create_backend(ModelSpec.parse(f"local/{f}"))
    assert ei.value.package == "llama-cpp-python" and ei.value.extra == "local"
    assert "pip install 'assay[local]'" in str(ei.value)


def test_unknown_argument_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown local argument"):
        create_backend(ModelSpec.parse("local/smollm2", {"n_gpu": 3}))
    with pytest.raises(ConfigError, match="n_ctx"):
        create_backend(ModelSpec.parse("local/smollm2", {"n_ctx": "big"}))


def test_file_digest_follows_content(tmp_path):
    a, b = tmp_path / "a.gguf", tmp_path / "b.gguf"
    a.write_bytes(b"GGUF" + bytes(3 << 20))
    b.write_bytes(b"GGUF" + bytes(3 << 20))
    assert file_digest(a) == file_digest(b)
    b.write_bytes(b"GGUF" + bytes(3 << 20) + b"x")
    assert file_digest(a) != file_digest(b)


def test_identity_names_the_file_and_its_digest(smollm2_path):
    b = create_backend(ModelSpec.parse("local/smollm2"))
    ident = b.identity()
    assert ident["file"] == smollm2_path.name
    assert ident["size"] == smollm2_path.stat().st_size
    assert ident["digest"] == file_digest(smollm2_path)
    assert ident["architecture"] == "llama" and "135M" in ident["gguf_name"]
    assert b.max_concurrency == 1 and b.cacheable and b.name == "local/smollm2"
    same = create_backend(ModelSpec.parse(f"local/{smollm2_path}"))
    assert same.identity()["digest"] == ident["digest"]


def test_not_a_gguf_file_is_rejected(tmp_path):
    pytest.importorskip("llama_cpp")
    f = tmp_path / "notes.gguf"
    f.write_bytes(b"this is not a gguf file" * 100)
    with pytest.raises(BackendUnavailable, match="not a GGUF model file"):
        create_backend(ModelSpec.parse(f"local/{f}"))


def test_corrupt_gguf_fails_at_preflight(tmp_path):
    pytest.importorskip("llama_cpp")
    f = tmp_path / "broken.gguf"
    f.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 400)
    b = create_backend(ModelSpec.parse(f"local/{f}"))
    with pytest.raises(BackendUnavailable, match="cannot load model file"):
        asyncio.run(b.preflight())


def test_gguf_header_reader(smollm2_path):
    from assay.backends import gguf

    info = gguf.describe(smollm2_path)
    assert info["architecture"] == "llama" and info["has_chat_template"]
    md = gguf.read_metadata(smollm2_path)
    assert md["gguf.version"] in (2, 3) and md["tokenizer.ggml.tokens"]["length"] > 1000
    with pytest.raises(gguf.GGUFError):
        gguf.read_metadata(__file__)


# -- with the embedded model -----------------------------------------------------------------
@pytest.mark.slow
def test_generates_with_ten_alternatives_per_token(smollm2):
    c = gen(smollm2, req(top_logprobs=10))
    assert c.text.strip() and "Paris" in c.text
    assert c.finish_reason in ("stop", "length")
    assert c.input_tokens > 10 and c.output_tokens == len(c.logprobs) > 0
    for t in c.logprobs:
        assert len(t.top) == 10
        assert t.logprob <= 0 and all(lp <= 0 for _, lp in t.top)
        assert [lp for _, lp in t.top] == sorted((lp for _, lp in t.top), reverse=True)
        # greedy decoding picks the most likely token
        assert t.top[0] == (t.token, t.logprob)
    assert "".join(t.token for t in c.logprobs) == c.text  # raw pieces, in order


@pytest.mark.slow
def test_deterministic_at_temperature_zero(smollm2, smollm2_path):
    r = req(top_logprobs=3, max_new_tokens=24)
    first, second = gen(smollm2, r), gen(smollm2, r)
    assert first.text == second.text
    assert [t.token for t in first.logprobs] == [t.token for t in second.logprobs]
    assert [t.logprob for t in first.logprobs] == pytest.approx(
        [t.logprob for t in second.logprobs], abs=1e-5)
    fresh = create_backend(ModelSpec.parse(f"local/{smollm2_path}"))
    try:
        assert gen(fresh, r).text == first.text
    finally:
        asyncio.run(fresh.aclose())


@pytest.mark.slow
def test_seeded_sampling_is_reproducible(smollm2):
    r = req(temperature=1.0, top_p=0.95, top_k=50, seed=1234, max_new_tokens=24)
    assert gen(smollm2, r).text == gen(smollm2, r).text


@pytest.mark.slow
def test_no_logprobs_unless_asked(smollm2):
    c = gen(smollm2, req(max_new_tokens=8))
    assert c.logprobs is None and c.text


@pytest.mark.slow
def test_max_new_tokens_and_stop(smollm2):
    c = gen(smollm2, req(max_new_tokens=3, top_logprobs=2))
    assert c.finish_reason == "length" and c.output_tokens == 3 and len(c.logprobs) == 3
    msgs = (Message("user", "Count from 1 to 5, one number per line."),)
    full = gen(smollm2, req(msgs, max_new_tokens=24))
    assert "\n" in full.text, full.text
    cut = gen(smollm2, req(msgs, max_new_tokens=24, stop=("\n",), top_logprobs=2))
    assert cut.text == full.text.split("\n")[0] and cut.finish_reason == "stop"
    assert "".join(t.token for t in cut.logprobs) == cut.text  # no tokens past the stop string


@pytest.mark.slow
def test_prompt_longer_than_context_is_a_bad_request(smollm2_path):
    b = create_backend(ModelSpec.parse("local/smollm2", {"n_ctx": 300}))
    assert b.n_ctx == 512  # padded to a multiple of 256, as llama.cpp does
    try:
        with pytest.raises(GenerationError) as ei:
            gen(b, req((Message("user", "word " * 600),)))
        assert ei.value.kind == "bad_request" and "n_ctx=512" in str(ei.value)
        ok = gen(b, req((Message("user", "word " * 150 + "\nHow many words?"),), max_new_tokens=4))
        assert ok.output_tokens <= 4
    finally:
        asyncio.run(b.aclose())


@pytest.mark.slow
def test_calls_are_serialised_off_the_event_loop(smollm2):
    async def go():
        ticks = 0
        stop = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        t = asyncio.create_task(ticker())
        t0 = time.monotonic()
        outs = await asyncio.gather(*(smollm2.generate(req(max_new_tokens=16)) for _ in range(3)))
        elapsed = time.monotonic() - t0
        stop.set()
        await t
        return outs, ticks, elapsed

    outs, ticks, elapsed = asyncio.run(go())
    assert len({o.text for o in outs}) == 1  # one instance, serialised: identical answers
    assert ticks >= max(3, int(elapsed / 0.01 / 4))  # the loop kept running meanwhile


@pytest.mark.slow
def test_several_instances_give_the_same_answers(smollm2):
    b = create_backend(ModelSpec.parse("local/smollm2", {"concurrency": 2}))
    assert b.max_concurrency == 2
    r = req(max_new_tokens=12, top_logprobs=2)

    async def go():
        try:
            return await asyncio.gather(b.generate(r), b.generate(r))
        finally:
            await b.aclose()

    one, two = asyncio.run(go())
    assert one.text == two.text == gen(smollm2, r).text


def _reference_logprobs(backend, r):
    """llama-cpp-python's own chat logprobs for the same request (the slow path)."""
    from assay.backends import local as local_mod

    llm = backend._instances[0]
    s = r.settings
    llm.reset()
    out = llm.create_chat_completion(
        messages=[m.to_dict() for m in r.messages], max_tokens=s.max_new_tokens,
        temperature=s.temperature, top_p=s.top_p, top_k=0 if s.top_k < 0 else s.top_k,
        min_p=0.0, typical_p=1.0, repeat_penalty=1.0, seed=s.seed, stop=list(s.stop),
        logprobs=True, top_logprobs=s.top_logprobs)
    return out["choices"][0]["message"]["content"], local_mod._chat_logprobs(
        out["choices"][0]["logprobs"], s.top_logprobs)


@pytest.mark.slow
@pytest.mark.parametrize("settings", [
    dict(top_logprobs=5),
    dict(top_logprobs=4, temperature=1.2, seed=7),  # sampled tokens need not be the top-1
    dict(top_logprobs=3, max_new_tokens=5),
])
def test_fast_logprobs_equal_llama_cpp_python_logprobs(smollm2, settings):
    r = req((Message("user", "Write a haiku about the sea."),), **settings)
    c = gen(smollm2, r)
    text, ref = _reference_logprobs(smollm2, r)
    assert c.text == text
    assert [t.token for t in c.logprobs] == [t.token for t in ref]
    assert [t.logprob for t in c.logprobs] == pytest.approx([t.logprob for t in ref], abs=1e-6)
    for mine, theirs in zip(c.logprobs, ref):
        assert len(mine.top) == settings["top_logprobs"]
        # llama-cpp-python keys alternatives by text (duplicates collapse) and always adds the
        # sampled token; compare on what both have
        theirs_map = dict(theirs.top)
        for tok, lp in mine.top:
            if tok in theirs_map:
                assert lp == pytest.approx(theirs_map[tok], abs=1e-6)


@pytest.mark.slow
def test_fallback_to_llama_cpp_python_logprobs(smollm2, monkeypatch):
    from assay.backends import local as local_mod

    r = req(top_logprobs=3, max_new_tokens=12)
    fast = gen(smollm2, r)
    monkeypatch.setattr(local_mod, "_logprobs_from_scores", lambda *a, **k: None)
    slow = gen(smollm2, r)
    assert slow.text == fast.text
    assert [(t.token, round(t.logprob, 5)) for t in slow.logprobs] == \
           [(t.token, round(t.logprob, 5)) for t in fast.logprobs]
