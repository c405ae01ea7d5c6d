"""Generation runs without all-position logits; log-likelihood scoring still sees exact ones."""

from __future__ import annotations

import asyncio

import pytest

from assay.backends.local import LocalBackend
from assay.backends.types import (GenerationSettings, InferenceRequest, LoglikelihoodRequest,
                                  Message)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ITEM = ("Question: Which gas do plants absorb from the air for photosynthesis?\nAnswer:",
        [" carbon dioxide", " oxygen"])


def test_scoring_after_generation_with_reuse_prefix(smollm2_path):
    """With ``reuse_prefix`` the KV cache survives between calls, but generation no longer
    fills ``Llama.scores``: scoring must not read rows that generation left stale."""
    reuse = LocalBackend("local/smollm2", smollm2_path, reuse_prefix=True)
    r = InferenceRequest(messages=(Message("user", ITEM[0]),),
                         settings=GenerationSettings(max_new_tokens=8, top_logprobs=2))
    c = reuse._run(r)
    assert c.logprobs is not None and len(c.logprobs) == c.output_tokens
    llm = reuse._instances[0]
    assert llm._logits_all is True   # restored after generation
    # score a context that is the generation's own prompt and answer, i.e. what the KV cache
    # holds: without the guard the cached rows would be read from llm.scores, never written
    ctx = llm.detokenize(llm.input_ids[:llm.n_tokens].tolist(), special=True).decode()
    reqs = [LoglikelihoodRequest(ctx, cont) for cont in ITEM[1]]
    got = reuse._run_loglikelihood(reqs)
    reuse.reuse_prefix = False   # the same requests evaluated from scratch
    assert got == reuse._run_loglikelihood(reqs)
    assert all(g.n_tokens >= 1 for g in got)
    asyncio.run(reuse.aclose())
