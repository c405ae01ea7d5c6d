"""Log-likelihood through a real ``python -m llama_cpp.server`` (echoed prompt logprobs) agrees
with the in-process local backend on the same GGUF, and a wrong echo alignment is caught."""

from __future__ import annotations

import asyncio

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.backends.types import LoglikelihoodRequest as LL

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# ARC-Easy-like multiple-choice items, written here (context, choices)
ITEMS = [
    ("Question: Which gas do plants absorb from the air for photosynthesis?\nAnswer:",
     [" carbon dioxide", " oxygen", " nitrogen", " helium"]),
    ("Question: What is the boiling point of water at sea level?\nAnswer:",
     [" 100 degrees Celsius", " 50 degrees Celsius", " 0 degrees Celsius"]),
    ("Question: Which planet is closest to the Sun?\nAnswer:",
     [" Mercury", " Venus", " Earth", " Mars"]),
    ("Question: Which of these is a source of light energy?\nAnswer:",
     [" the Sun", " a rock", " a shadow", " a mirror"]),
    ("Question: A student mixes salt into water. What happens to the salt?\nAnswer:",
     [" It dissolves.", " It melts.", " It evaporates.", " It burns."]),
]


def score_items(backend):
    async def go():
        try:
            return [await backend.loglikelihood([LL(ctx, c) for c in choices])
                    for ctx, choices in ITEMS]
        finally:
            await backend.aclose()
    return asyncio.run(go())


def server_backend(llama_server, **args):
    return create_backend(ModelSpec.parse("openai/smollm2", dict(
        {"base_url": llama_server.base_url, "api_key_env": "ASSAY_NO_SUCH_KEY",
         "dialect": "llama_cpp", "timeout": 120, "concurrency": 1, "loglikelihood": "echo"},
        **args)))


@pytest.fixture(scope="module")
def local_scores(smollm2_path):
    return score_items(create_backend(ModelSpec.parse("local/smollm2")))


def argmax(results):
    return max(range(len(results)), key=lambda i: results[i].logprob)


def test_local_and_server_echo_agree(llama_server, local_scores):
    remote = server_backend(llama_server)
    served = score_items(remote)
    # llama-cpp-python 0.3.x pairs token i with the distribution after it for a model without
    # a BOS token (SmolLM2): the probe must have found that out.
    assert remote.echo_alignment == "shifted"
    for (ctx, choices), mine, theirs in zip(ITEMS, local_scores, served):
        assert [r.n_tokens for r in mine] == [r.n_tokens for r in theirs], ctx
        assert [r.logprob for r in theirs] == pytest.approx([r.logprob for r in mine], abs=1e-3)
        assert [r.greedy for r in mine] == [r.greedy for r in theirs]
        assert argmax(mine) == argmax(theirs)
    assert [argmax(m) for m in local_scores][:2] == [0, 0]  # sanity: the model knows these


def test_wrong_alignment_gives_different_numbers(llama_server, local_scores):
    wrong = score_items(server_backend(llama_server, echo_alignment="aligned"))
    diffs = [abs(a.logprob - b.logprob) for m, w in zip(local_scores, wrong) for a, b in zip(m, w)]
    assert max(diffs) > 1.0  # the one-token shift silently ruins the scores


def test_explicit_shifted_alignment_skips_the_probe(llama_server, local_scores):
    b = server_backend(llama_server, echo_alignment="shifted", echo_top_logprobs=5)
    ctx, choices = ITEMS[2]

    async def go():
        try:
            return await b.loglikelihood([LL(ctx, c) for c in choices])
        finally:
            await b.aclose()

    got = asyncio.run(go())
    assert [r.logprob for r in got] == pytest.approx([r.logprob for r in local_scores[2]],
                                                     abs=1e-3)
    assert b.identity()["echo_alignment"] == "shifted"
    assert b.stats["requests"] >= len(choices)  # no probe request counted before the items
