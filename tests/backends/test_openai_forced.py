"""Log-likelihood without echo (``-M loglikelihood=forced``): next-token logprobs, top-k reads
and tokens forced with ``logit_bias``.

* A fake vLLM-style server (``/tokenize``, ``/detokenize``, token-id prompts) with a toy model
  whose distributions are known here: scores equal the direct computation, single-token
  choices come from one request, a server reporting *biased* logprobs is refused.
* A real ``python -m llama_cpp.server`` with the embedded SmolLM2: scores equal the local
  backend's, and the server is shown to report unbiased logprobs under ``logit_bias``.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.backends.forced_logprobs import loglikelihood_mode
from assay.backends.types import LoglikelihoodRequest as LL
from assay.errors import BackendUnavailable, ConfigError

from .conftest import run_loglikelihood


# -- a toy model behind a vLLM-style server ----------------------------------------------------
VOCAB = [chr(c) for c in range(32, 127)]          # one token per printable ASCII character


def toy_logprobs(prefix: list[int]) -> list[float]:
    """A fixed, prefix-dependent next-token distribution (log-softmax of made-up logits)."""
    logits = [math.sin(7.0 * t + 0.3 * len(prefix) + 0.01 * sum(prefix)) * 4.0
              for t in range(len(VOCAB))]
    m = max(logits)
    z = math.log(sum(math.exp(x - m) for x in logits)) + m
    return [x - z for x in logits]


class FakeVLLM:
    def __init__(self, biased: bool = False) -> None:
        self.biased, self.calls = biased, []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.calls.append((self.path, body))
                status, out = outer.answer(self.path, body)
                data = json.dumps(out).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def answer(self, path: str, body: dict):
        if path == "/tokenize":
            return 200, {"tokens": [VOCAB.index(c) for c in body["prompt"]]}
        if path == "/detokenize":
            return 200, {"prompt": "".join(VOCAB[t] for t in body["tokens"])}
        if path != "/v1/completions":
            return 404, {"error": "no such route"}
        prompt = body["prompt"]
        assert isinstance(prompt, list) and "echo" not in body
        lps = toy_logprobs(prompt)
        bias = {int(k): v for k, v in (body.get("logit_bias") or {}).items()}
        shown = list(lps)
        if bias:
            biased = [x + bias.get(i, 0.0) for i, x in enumerate(lps)]
            m = max(biased)
            z = math.log(sum(math.exp(x - m) for x in biased)) + m
            if self.biased:
                shown = [x - z for x in biased]
            gen = max(range(len(lps)), key=lambda i: biased[i])
        else:
            gen = max(range(len(lps)), key=lambda i: lps[i])
        top = sorted(range(len(lps)), key=lambda i: -shown[i])[:body["logprobs"]]
        lp = {"tokens": [VOCAB[gen]], "token_logprobs": [shown[gen]],
              "top_logprobs": [{VOCAB[i]: shown[i] for i in top}], "text_offset": [0]}
        return 200, {"choices": [{"index": 0, "text": VOCAB[gen], "logprobs": lp,
                                  "finish_reason": "length"}],
                     "usage": {"prompt_tokens": len(prompt), "completion_tokens": 1}}

    def completions(self) -> list[dict]:
        return [b for p, b in self.calls if p == "/v1/completions"]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_vllm():
    srv = FakeVLLM()
    yield srv
    srv.stop()


def expected(context: str, continuation: str) -> tuple[float, bool]:
    if context.endswith(" "):
        context, continuation = context.rstrip(" "), " " + continuation
    seq = [VOCAB.index(c) for c in context + continuation]
    total, greedy = 0.0, True
    for p in range(len(context), len(seq)):
        lps = toy_logprobs(seq[:p])
        total += lps[seq[p]]
        greedy = greedy and lps[seq[p]] == max(lps)
    return total, greedy


def forced_backend(url: str, **extra):
    return create_backend(ModelSpec.parse("openai/toy", dict(
        {"base_url": url, "api_key_env": "ASSAY_NO_SUCH_KEY", "loglikelihood": "forced",
         "timeout": 10, "max_retries": 0}, **extra)))


def test_mode_argument():
    assert loglikelihood_mode(None, "llama_cpp") == "auto"
    assert loglikelihood_mode(None, "openai") is None
    assert loglikelihood_mode("true", "openai") == "echo"      # its earlier meaning
    assert loglikelihood_mode("false", "llama_cpp") is None
    assert [loglikelihood_mode(m, "openai") for m in ("auto", "echo", "forced")] == \
        ["auto", "echo", "forced"]
    with pytest.raises(ConfigError, match="loglikelihood"):
        forced_backend("http://127.0.0.1:1/v1", loglikelihood="sometimes")


def test_forced_scores_equal_the_toy_model(fake_vllm):
    reqs = [LL("Question: 2+2? Answer:", " four"), LL("Question: 2+2? Answer: ", "five"),
            LL("Question: 2+2? Answer:", " 4"), LL("Question: 2+2? Answer:", " 4!"),
            LL("Question: 2+2? Answer:", "")]      # nothing to score: 0 tokens, logprob 0
    got = run_loglikelihood(forced_backend(fake_vllm.base_url), reqs)
    for r, g in zip(reqs, got):
        value, greedy = expected(r.context, r.continuation)
        assert g.logprob == pytest.approx(value, abs=1e-9) and g.greedy == greedy
        assert g.n_tokens == len(r.continuation) + (r.context.endswith(" "))
    # token-id prompts, max_tokens 1, no echo; the shared context is asked once per token
    prompts = [tuple(b["prompt"]) for b in fake_vllm.completions()]
    assert all(b["max_tokens"] == 1 and b["temperature"] == 0.0 for b in fake_vllm.completions())
    unforced = [p for p, b in zip(prompts, fake_vllm.completions()) if "logit_bias" not in b]
    assert len(unforced) == len(set(unforced))


def test_single_token_choices_come_from_one_request(fake_vllm):
    ctx = "Pick one. Answer:"
    prefix = [VOCAB.index(c) for c in ctx]
    order = sorted(range(len(VOCAB)), key=lambda i: -toy_logprobs(prefix)[i])
    inside = [VOCAB[i] for i in order[:3]]                 # within the top-20
    outside = VOCAB[order[-1]]                             # the least likely token: forced
    b = forced_backend(fake_vllm.base_url)
    got = run_loglikelihood(b, [LL(ctx, c) for c in inside + [outside]])
    for c, g in zip(inside + [outside], got):
        assert (g.logprob, g.greedy) == pytest.approx(expected(ctx, c))
    bodies = fake_vllm.completions()
    assert len(bodies) == 2                                # one top-k read + one forced
    assert "logit_bias" not in bodies[0] and bodies[0]["logprobs"] == 20
    assert bodies[1]["logit_bias"] == {str(order[-1]): 100.0}
    assert got[0].greedy and b.stats["forced_tokens"] == 1


def test_a_server_reporting_biased_logprobs_is_refused():
    srv = FakeVLLM(biased=True)
    try:
        ctx = "Pick one. Answer:"
        prefix = [VOCAB.index(c) for c in ctx]
        least = VOCAB[min(range(len(VOCAB)), key=lambda i: toy_logprobs(prefix)[i])]
        with pytest.raises(BackendUnavailable, match="logit_bias"):
            run_loglikelihood(forced_backend(srv.base_url), [LL(ctx, least)])
    finally:
        srv.stop()


def test_forced_needs_a_tokenizer(scripted_server):
    from .conftest import Reply
    scripted_server.script(Reply(404, {"error": "not found"}))
    with pytest.raises(BackendUnavailable, match="tokenizer"):
        run_loglikelihood(forced_backend(scripted_server.base_url), [LL("a b", " c")])


# -- the real llama_cpp.server with the embedded model -------------------------------------------
# (after a bare "Answer:" SmolLM2's argmax ends generation: no top-k, every choice is forced)
LETTERS = ("Question: Which planet is closest to the Sun?\nA. Mercury\nB. Venus\nC. Earth\n"
           "D. Mars\nThe correct answer is", [" A", " B", " C", " D"])


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_forced_path_equals_local_on_llama_cpp_server(llama_server, smollm2_path):
    from .test_loglikelihood_server import ITEMS
    # " 100 degrees Celsius": multi-token, and the item where a one-token KV-cache replay on
    # the server was measured ~0.18 nat off (hence the cache breaker); letters: one request
    items = [ITEMS[1], LETTERS]
    local = create_backend(ModelSpec.parse("local/smollm2"))
    remote = create_backend(ModelSpec.parse("openai/smollm2", {
        "base_url": llama_server.base_url, "api_key_env": "ASSAY_NO_SUCH_KEY",
        "dialect": "llama_cpp", "timeout": 120, "concurrency": 1}))    # loglikelihood: auto
    routes: list[tuple[str, dict]] = []
    post = remote._post

    async def recording(route, body, url=None):
        routes.append((url or route, body))
        return await post(route, body, url=url)
    remote._post = recording

    async def go(b):
        try:
            return [await b.loglikelihood([LL(c, x) for x in xs]) for c, xs in items]
        finally:
            await b.aclose()

    mine, theirs = asyncio.run(go(local)), asyncio.run(go(remote))
    assert remote._mode_resolved == "forced"          # auto picks forced on llama.cpp
    for (ctx, _), a, b in zip(items, mine, theirs):
        assert [r.n_tokens for r in a] == [r.n_tokens for r in b], ctx
        assert [r.logprob for r in b] == pytest.approx([r.logprob for r in a], abs=1e-4), ctx
        assert [r.greedy for r in a] == [r.greedy for r in b], ctx
    assert not any(body.get("echo") for _, body in routes)
    assert "echo_fallbacks" not in remote.stats
    # the letters item: all four choices read from one top-k request (after the breaker)
    letters_start = max(i for i, (r, b) in enumerate(routes)
                        if r.endswith("/extras/tokenize") and b["input"] == LETTERS[0])
    scored = [b for r, b in routes[letters_start:] if r == "/completions" and "logprobs" in b]
    assert len(scored) == 1 and "logit_bias" not in scored[0]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_llama_cpp_server_reports_unbiased_logprobs_under_logit_bias(llama_server):
    """What the forced path relies on: ``logit_bias`` changes the generated token, not the
    reported distribution (llama-cpp-python biases a copy in its sampler)."""
    b = create_backend(ModelSpec.parse("openai/smollm2", {
        "base_url": llama_server.base_url, "api_key_env": "ASSAY_NO_SUCH_KEY",
        "dialect": "llama_cpp", "timeout": 60, "loglikelihood": "forced"}))
    prompt = LETTERS[0]

    async def go():
        try:
            await b.detect_tokenizer()
            n = len(await b._tokenize_with("llama_cpp", prompt))
            plain = await b._next_token(prompt, n, None, 20)
            forced_id = (await b._tokenize_with("llama_cpp", " D"))[-1]
            forced = await b._next_token(prompt, n, forced_id, 20)
            return plain, forced
        finally:
            await b.aclose()

    (gen0, v0, top0), (gen1, v1, top1) = asyncio.run(go())
    assert gen1 == " D" and gen0 != " D"             # the bias made it generate " D"
    assert v1 == pytest.approx(top0[" D"], abs=1e-6) and v1 < v0   # with its unbiased logprob
    assert top1 == pytest.approx(top0, abs=1e-6)      # the same distribution, not the biased one
