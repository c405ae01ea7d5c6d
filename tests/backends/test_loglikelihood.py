"""Log-likelihood scoring: the whitespace rule, the mock backend, echoed-logprob parsing against a
scripted HTTP server (aligned and shifted servers, boundaries, refusals, secrecy), and the local
llama.cpp backend against a manual computation (slow)."""

from __future__ import annotations

import asyncio
import math

import pytest

from assay.backends.base import ModelSpec, can_score_loglikelihood, create_backend
from assay.backends.echo_logprobs import (PROBE_TEXT, NotInTopK, detect_alignment, score_echo,
                                          split_whitespace)
from assay.backends.types import LoglikelihoodRequest as LL
from assay.errors import BackendUnavailable, ConfigError, GenerationError

from .conftest import Reply, run_loglikelihood

pytestmark = pytest.mark.timeout(120)

KEY = "sk-test-SECRET-ll-0123456789abcdef"


def run(coro_fn):
    return asyncio.run(coro_fn())


# -- the whitespace rule ---------------------------------------------------------------------
def test_trailing_whitespace_moves_onto_the_continuation():
    assert split_whitespace("Answer: ", "B") == ("Answer:", " B")
    assert split_whitespace("Answer:\n \t", "x") == ("Answer:", "\n \tx")
    assert split_whitespace("Answer:", " B") == ("Answer:", " B")
    assert split_whitespace("", " B") == ("", " B")
    assert split_whitespace("   ", "B") == ("", "   B")


# -- mock ------------------------------------------------------------------------------------
def test_mock_loglikelihood_is_deterministic_and_whitespace_aware():
    b = create_backend(ModelSpec.parse("mock/echo"))
    assert can_score_loglikelihood(b)
    reqs = [LL("Q?\nAnswer:", " Paris"), LL("Q?\nAnswer: ", "Paris"), LL("Q?\nAnswer:", " Lyon")]
    one = asyncio.run(b.loglikelihood(reqs))
    two = asyncio.run(b.loglikelihood(reqs))
    assert one == two and one[0] == one[1] and one[0] != one[2]
    for r, res in zip(reqs, one):
        assert -0.1 * len(split_whitespace(r.context, r.continuation)[1]) - 1 < res.logprob \
            <= -0.1 * len(split_whitespace(r.context, r.continuation)[1])
        assert res.n_tokens == 1
    assert asyncio.run(b.loglikelihood([])) == []


def test_mock_scripted_scores_and_preferences():
    b = create_backend(ModelSpec.parse("mock/echo", {"ll_scores": '{"Paris": -0.2, "Lyon": -3}'}))
    r = asyncio.run(b.loglikelihood([LL("Q:", " Paris"), LL("Q:", " Lyon"), LL("Q:", " Nice")]))
    assert (r[0].logprob, r[0].greedy) == (-0.2, True) and (r[1].logprob, r[1].greedy) == (-3.0, False)
    assert r[2].logprob < 0
    p = create_backend(ModelSpec.parse("mock/oracle", {"ll_prefer": "Lyon,Nice"}))
    r = asyncio.run(p.loglikelihood([LL("Q:", " Paris"), LL("Q:", " Lyon"), LL("Q:", " Nice")]))
    assert [x.greedy for x in r] == [False, True, True]
    assert max(range(3), key=lambda i: r[i].logprob) in (1, 2) and r[0].logprob < -5
    with pytest.raises(ConfigError):
        create_backend(ModelSpec.parse("mock/echo", {"ll_scores": "[1, 2]"}))


# -- echo parsing ----------------------------------------------------------------------------
CONTEXT = "Q: Capital?\nAnswer:"
PIECES = ["Q", ":", " Capital", "?", "\n", "Answer", ":", " Par", "is"]
GENERATED = " The"


def _offsets(tokens):
    out, n = [], 0
    for t in tokens:
        out.append(n)
        n += len(t)
    return out


def aligned_logprobs(values=None):
    """OpenAI/vLLM shape: entry i is log P(token i | tokens < i); the generated token last."""
    tokens = PIECES + [GENERATED]
    values = values or {" Par": -0.5, "is": -0.25, GENERATED: -2.0}
    lps = [None] + [values.get(t, -1.0) for t in tokens[1:]]
    tops = [None] + [{t: lps[i], "zzz": -9.0} if t != "is" else {t: lps[i], "isn": -0.1}
                     for i, t in enumerate(tokens) if i > 0]
    return {"tokens": tokens, "token_logprobs": lps, "text_offset": _offsets(tokens),
            "top_logprobs": tops}


def shifted_logprobs(nexts=None):
    """llama-cpp-python without BOS: entry i is the distribution after token i (no generated
    token); token_logprobs[i] is token i under that distribution (meaningless)."""
    tokens = list(PIECES)
    nexts = nexts or {6: {" Par": -0.5, " Lon": -1.5}, 7: {"is": -0.25, "ma": -2.0}}
    tops = [None] + [dict(nexts.get(i, {tokens[i + 1] if i + 1 < len(tokens) else "x": -0.3}))
                     for i in range(1, len(tokens))]
    for i, t in enumerate(tokens):  # llama-cpp-python adds the token itself to its entry
        if tops[i] is not None:
            tops[i][t] = -20.0 if t not in tops[i] else tops[i][t]
    lps = [None] + [-20.0] * (len(tokens) - 1)
    return {"tokens": tokens, "token_logprobs": lps, "text_offset": _offsets(tokens),
            "top_logprobs": tops}


def test_aligned_parsing_takes_only_the_continuation_tokens():
    prompt = CONTEXT + " Paris"
    r = score_echo(aligned_logprobs(), len(CONTEXT), len(prompt), "aligned", 1)
    assert r.n_tokens == 2 and r.logprob == pytest.approx(-0.75)
    assert r.greedy is False  # "is" was not the best alternative ("isn" was)
    ok = score_echo(aligned_logprobs(), len(CONTEXT) + len(" Par"), len(prompt), "aligned", 1)
    assert ok.n_tokens == 1 and ok.logprob == pytest.approx(-0.25)


def test_shifted_parsing_reads_the_previous_entry():
    prompt = CONTEXT + " Paris"
    r = score_echo(shifted_logprobs(), len(CONTEXT), len(prompt), "shifted", 20)
    assert r.n_tokens == 2 and r.logprob == pytest.approx(-0.75) and r.greedy
    # the same object read as aligned gives a different (wrong) number: the test can fail
    wrong = score_echo(shifted_logprobs(), len(CONTEXT), len(prompt), "aligned", 20)
    assert wrong.logprob == pytest.approx(-40.0)
    missing = shifted_logprobs({6: {" Lon": -0.1}, 7: {"is": -0.25}})
    with pytest.raises(NotInTopK, match="' Par'"):
        score_echo(missing, len(CONTEXT), len(prompt), "shifted", 20)


def test_alignment_detection():
    def probe(shift: bool):
        toks = ["1", ",", " 2", ",", " 3", ",", " 4", ",", " 5", ",", " 6", ","]
        tops = [None]
        for i in range(1, len(toks)):
            if shift:
                tops.append({toks[i + 1] if i + 1 < len(toks) else "x": -0.1})
            else:
                tops.append({toks[i]: -0.1})
        return {"tokens": toks, "token_logprobs": [None] + [-0.1] * (len(toks) - 1),
                "text_offset": _offsets(toks), "top_logprobs": tops}

    assert detect_alignment(probe(False)) == "aligned"
    assert detect_alignment(probe(True)) == "shifted"
    flat = probe(False)
    flat["top_logprobs"] = [None] + [{"?": -0.1}] * (len(flat["tokens"]) - 1)
    assert detect_alignment(flat) is None


# -- the openai backend against a scripted server --------------------------------------------
def completion(lp, text=""):
    return {"id": "c", "object": "text_completion", "model": "m",
            "choices": [{"index": 0, "text": text, "logprobs": lp, "finish_reason": "length"}],
            "usage": {"prompt_tokens": len(lp["tokens"]) if lp else 0, "completion_tokens": 1}}


def ll_backend(srv, **args):
    base = {"base_url": srv.base_url, "retry_base_delay": 0.01, "retry_max_delay": 0.05,
            "retry_seed": 0, "timeout": 5, "loglikelihood": "true"}
    base.update(args)
    return create_backend(ModelSpec.parse("openai/test-model", base))


def test_supports_loglikelihood_only_when_asked_or_for_echoing_dialects(scripted_server):
    url = {"base_url": scripted_server.base_url}
    assert not can_score_loglikelihood(create_backend(ModelSpec.parse("openai/m", url)))
    assert can_score_loglikelihood(create_backend(ModelSpec.parse(
        "openai/m", dict(url, dialect="llama_cpp"))))
    assert can_score_loglikelihood(create_backend(ModelSpec.parse(
        "openai/m", dict(url, loglikelihood="true"))))
    assert not can_score_loglikelihood(create_backend(ModelSpec.parse(
        "openai/m", dict(url, dialect="llama_cpp", loglikelihood="false"))))
    with pytest.raises(ConfigError, match="echo_alignment"):
        create_backend(ModelSpec.parse("openai/m", dict(url, echo_alignment="sideways")))
    off = create_backend(ModelSpec.parse("openai/m", url))
    with pytest.raises(BackendUnavailable, match="loglikelihood=true"):
        asyncio.run(off.loglikelihood([LL("a", " b")]))


def test_aligned_request_body_and_result(scripted_server):
    srv = scripted_server.script(Reply(200, completion(aligned_logprobs())))
    b = ll_backend(srv, echo_alignment="aligned")
    (r,) = run_loglikelihood(b, [LL(CONTEXT + " ", "Paris")])  # trailing space moves onto the continuation
    sent = srv.posts()[0]
    assert sent["path"] == "/v1/completions"
    assert sent["json"] == {"model": "test-model", "prompt": CONTEXT + " Paris", "max_tokens": 1,
                            "echo": True, "logprobs": 1, "temperature": 0.0, "stream": False}
    assert r.n_tokens == 2 and r.logprob == pytest.approx(-0.75) and not r.greedy
    assert b.echo_alignment == "aligned" and b.identity()["echo_alignment"] == "aligned"


def test_auto_alignment_probes_once_and_is_recorded(scripted_server):
    toks = ["1", ",", " 2", ",", " 3", ",", " 4", ",", " 5", ",", " 6"]
    probe = {"tokens": toks, "token_logprobs": [None] + [-9.0] * 10,
             "text_offset": _offsets(toks),
             "top_logprobs": [None] + [{toks[i + 1]: -0.1} for i in range(1, 10)] + [{"x": -1}]}
    srv = scripted_server.script(Reply(200, completion(probe)),
                                 Reply(200, completion(shifted_logprobs())))
    b = ll_backend(srv)
    assert b.echo_alignment is None and "echo_alignment" not in b.identity()

    async def go():
        try:
            first = await b.loglikelihood([LL(CONTEXT, " Paris")])
            second = await b.loglikelihood([LL(CONTEXT, " Paris")])
            return first + second
        finally:
            await b.aclose()

    a, c = asyncio.run(go())
    assert b.echo_alignment == "shifted"
    posts = srv.posts()
    assert len(posts) == 3 and posts[0]["json"]["prompt"] == PROBE_TEXT
    assert posts[1]["json"]["logprobs"] == 20  # shifted: values come from the top-k
    assert a == c and a.logprob == pytest.approx(-0.75) and a.n_tokens == 2


def test_shifted_missing_token_is_forced_exactly(scripted_server):
    missing = shifted_logprobs({6: {" Lon": -0.1}, 7: {"is": -0.25}})
    forced = {"tokens": [" Par"], "token_logprobs": [-7.5], "text_offset": [len(CONTEXT)],
              "top_logprobs": [{" Lon": -0.1, " Par": -7.5}]}
    payload = completion(forced, " Par")
    payload["usage"]["prompt_tokens"] = 7
    srv = scripted_server.script(Reply(200, completion(missing)), Reply(200, {"choices": []}),
                                 Reply(200, payload))
    b = ll_backend(srv, echo_alignment="shifted")
    (r,) = run_loglikelihood(b, [LL(CONTEXT, " Paris")])
    assert r.logprob == pytest.approx(-7.75) and not r.greedy and r.n_tokens == 2
    assert srv.posts()[1]["json"]["prompt"] == "\n"  # the cache breaker
    second = srv.posts()[2]["json"]
    assert second["prompt"] == CONTEXT and "echo" not in second
    assert second["logit_bias"] == {" Par": 100.0} and second["logit_bias_type"] == "tokens"
    assert b.stats["forced_tokens"] == 1


def test_forcing_a_token_that_is_not_generated_fails(scripted_server):
    missing = shifted_logprobs({6: {" Lon": -0.1}, 7: {"is": -0.25}})
    other = {"tokens": [" Lon"], "token_logprobs": [-0.1], "text_offset": [len(CONTEXT)],
             "top_logprobs": [{" Lon": -0.1}]}
    srv = scripted_server.script(Reply(200, completion(missing)), Reply(200, {"choices": []}),
                                 Reply(200, completion(other)))
    with pytest.raises(GenerationError, match="exactly"):
        run_loglikelihood(ll_backend(srv, echo_alignment="shifted"), [LL(CONTEXT, " Paris")])


def test_generated_and_context_tokens_are_excluded(scripted_server):
    # the continuation is empty: nothing inside [len(context), len(prompt)) -> zero tokens
    lp = aligned_logprobs()
    assert score_echo(lp, len(CONTEXT + " Paris"), len(CONTEXT + " Paris"), "aligned", 1).n_tokens == 0
    # a server that echoes nothing of the prompt is unusable
    srv = scripted_server.script(Reply(200, completion({"tokens": [" The"], "token_logprobs": [-1],
                                                        "text_offset": [len(CONTEXT) + 6],
                                                        "top_logprobs": [{" The": -1}]})))
    with pytest.raises(BackendUnavailable, match="did not echo"):
        run_loglikelihood(ll_backend(srv, echo_alignment="aligned"), [LL(CONTEXT, " Paris")])


@pytest.mark.parametrize("status", [400, 404, 422])
def test_echo_refused_is_backend_unavailable_without_the_key(scripted_server, monkeypatch, status):
    monkeypatch.setenv("ASSAY_LL_KEY", KEY)
    srv = scripted_server.script(Reply(status, {"error": {"message": f"echo not supported; "
                                                                     f"your key {KEY} is fine"}}))
    b = ll_backend(srv, api_key_env="ASSAY_LL_KEY", echo_alignment="aligned")
    with pytest.raises(BackendUnavailable) as ei:
        run_loglikelihood(b, [LL(CONTEXT, " Paris")])
    msg = str(ei.value)
    assert f"HTTP {status}" in msg and "cannot score" in msg and "\n" not in msg
    assert KEY not in msg and KEY not in repr(ei.value)
    assert srv.posts()[0]["headers"]["Authorization"] == f"Bearer {KEY}"
    assert len(srv.posts()) == 1  # not retried


def test_no_logprobs_in_answer_is_backend_unavailable(scripted_server, monkeypatch):
    monkeypatch.setenv("ASSAY_LL_KEY", KEY)
    body = completion(aligned_logprobs())
    body["choices"][0]["logprobs"] = None
    srv = scripted_server.script(Reply(200, body))
    with pytest.raises(BackendUnavailable, match="no echoed prompt logprobs") as ei:
        run_loglikelihood(ll_backend(srv, api_key_env="ASSAY_LL_KEY"), [LL(CONTEXT, " Paris")])
    assert KEY not in str(ei.value)


def test_server_errors_are_retried_then_succeed(scripted_server):
    srv = scripted_server.script(Reply(503, {"error": "busy"}),
                                 Reply(200, completion(aligned_logprobs())))
    b = ll_backend(srv, echo_alignment="aligned")
    (r,) = run_loglikelihood(b, [LL(CONTEXT, " Paris")])
    assert r.logprob == pytest.approx(-0.75) and b.stats["retries"] == 1


# -- the local backend (embedded SmolLM2) ----------------------------------------------------
ITEM = ("Question: Which gas do plants absorb from the air for photosynthesis?\nAnswer:",
        [" carbon dioxide", " oxygen", " nitrogen", " helium"])


@pytest.fixture(scope="module")
def smollm2(smollm2_path):
    b = create_backend(ModelSpec.parse("local/smollm2"))
    asyncio.run(b.preflight())
    yield b
    asyncio.run(b.aclose())


def _manual(llm, context: str, continuation: str) -> tuple[float, bool, int]:
    """lm-evaluation-harness by hand: fresh state, evaluate the whole sequence, float64 math."""
    import numpy as np

    whole = llm.tokenize((context + continuation).encode(), add_bos=False, special=True)
    ctx = llm.tokenize(context.encode(), add_bos=False, special=True)
    cont = whole[len(ctx):]
    llm.reset()
    llm.eval(whole)
    total, greedy = 0.0, True
    for j, tok in enumerate(cont):
        row = np.asarray(llm.scores[len(ctx) + j - 1], dtype=np.float64)
        lse = row.max() + math.log(np.exp(row - row.max()).sum())
        total += row[tok] - lse
        greedy = greedy and int(row.argmax()) == tok
    llm.reset()
    return total, greedy, len(cont)


@pytest.mark.slow
def test_local_equals_a_manual_computation(smollm2):
    ctx, conts = ITEM
    got = asyncio.run(smollm2.loglikelihood([LL(ctx, c) for c in conts]))
    llm = smollm2._instances[0]
    for c, r in zip(conts, got):
        lp, greedy, n = _manual(llm, ctx, c)
        assert r.n_tokens == n >= 1
        assert r.logprob == pytest.approx(lp, abs=1e-3)
        assert r.greedy == greedy
    assert max(range(4), key=lambda i: got[i].logprob) == 0  # carbon dioxide
    # a greedy continuation: the model's own next tokens
    counting = "1, 2, 3, 4, 5, 6, 7,"
    (g,) = asyncio.run(smollm2.loglikelihood([LL(counting, " 8")]))
    assert g.greedy and g.logprob > -1.0 and g.n_tokens == _manual(llm, counting, " 8")[2]


@pytest.mark.slow
def test_prefix_reuse_equals_fresh_evaluation(smollm2):
    ctx, conts = ITEM
    reqs = [LL(ctx, c) for c in conts] + [LL("Other context. Answer:", " yes"), LL(ctx, conts[0])]
    smollm2.ll_prefix_reuse = True
    try:
        reused = asyncio.run(smollm2.loglikelihood(reqs))
        smollm2.ll_prefix_reuse = False
        fresh = asyncio.run(smollm2.loglikelihood(reqs))
    finally:
        smollm2.ll_prefix_reuse = True
    for a, b in zip(reused, fresh):
        assert a.logprob == pytest.approx(b.logprob, abs=1e-4)
        assert (a.greedy, a.n_tokens) == (b.greedy, b.n_tokens)
    assert reused[0].logprob == pytest.approx(reused[-1].logprob, abs=1e-4)


@pytest.mark.slow
def test_local_trailing_space_and_empty_context(smollm2):
    ctx, conts = ITEM
    a, b = asyncio.run(smollm2.loglikelihood([LL(ctx, " oxygen"), LL(ctx + " ", "oxygen")]))
    assert a == b
    # without the whitespace move, "Answer: " + "oxygen" tokenizes differently: another number
    llm = smollm2._instances[0]
    assert _manual(llm, ctx + " ", "oxygen")[0] != pytest.approx(a.logprob, abs=1e-3)
    (e,) = asyncio.run(smollm2.loglikelihood([LL("", "Hello world")]))
    assert e.n_tokens == 2 and math.isfinite(e.logprob) and e.logprob < 0
    (z,) = asyncio.run(smollm2.loglikelihood([LL(ctx, "")]))
    assert (z.logprob, z.greedy, z.n_tokens) == (0.0, True, 0)


@pytest.mark.slow
def test_local_loglikelihood_keeps_generation_intact(smollm2):
    from assay.backends.types import GenerationSettings, InferenceRequest, Message

    r = InferenceRequest(messages=(Message("user", "What is the capital of France?"),),
                         settings=GenerationSettings(max_new_tokens=12))
    before = asyncio.run(smollm2.generate(r)).text
    asyncio.run(smollm2.loglikelihood([LL(ITEM[0], c) for c in ITEM[1]]))
    assert asyncio.run(smollm2.generate(r)).text == before
