"""Log-likelihood of continuations on a llama.cpp model: lm-evaluation-harness's tokenisation
(the continuation's tokens are those of ``context + continuation`` past the context's), KV-cache
prefix reuse, and log-probabilities from the logits in numpy.

llama.cpp computes a batch of one token with another kernel than larger batches, which on
quantised weights moves log-probabilities by up to about 0.1 nat; evaluation batches here are
never a single token when a prefix is reused, so scores equal a one-shot evaluation of the
whole sequence (what an OpenAI-compatible server echoes).
"""

from __future__ import annotations

from ..errors import GenerationError
from .echo_logprobs import split_whitespace
from .types import LoglikelihoodRequest, LoglikelihoodResult

__all__ = ["request_tokens", "score_request", "score_rows", "bos_prefix", "stateful_memory"]


def request_tokens(llm, req: LoglikelihoodRequest) -> tuple[list[int], int]:
    """(the sequence to evaluate, index of its first continuation token)."""
    context, continuation = split_whitespace(req.context, req.continuation)

    def tok(text: str) -> list[int]:
        return list(llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)) \
            if text else []

    bos = bos_prefix(llm)
    if not context:
        first = bos or [llm.token_bos() if llm.token_bos() >= 0 else llm.token_eos()]
        return first + tok(continuation), len(first)
    ctx = bos + tok(context)
    whole = bos + tok(context + continuation)
    return whole, len(ctx)

def score_request(llm, req: LoglikelihoodRequest, *, n_ctx: int, name: str,
                  reuse: bool = True) -> LoglikelihoodResult:
    """Score one request on a ``llama_cpp.Llama`` made with ``logits_all=True``; with
    ``reuse`` the tokens already in its KV cache are kept up to the longest common prefix."""
    seq, start = request_tokens(llm, req)
    if start >= len(seq):
        return LoglikelihoodResult(0.0, True, 0)
    target = seq[:-1]  # the last token's own logits are never needed
    if len(target) > n_ctx:
        raise GenerationError("bad_request", f"{name}: context and continuation take "
                              f"{len(seq)} tokens, more than n_ctx={n_ctx} (raise it "
                              "with -M n_ctx=...)")
    keep = 0
    if reuse and llm.n_tokens > 0 and not stateful_memory(llm):
        cached = llm.input_ids[:min(llm.n_tokens, len(target))].tolist()
        for a, b in zip(cached, target):
            if a != b:
                break
            keep += 1
    if keep and len(target) - keep == 1:
        # llama.cpp computes a one-token batch by another kernel (about 0.1 nat off on
        # quantised weights); two or more tokens match a one-shot evaluation exactly
        keep -= 1
    if keep < len(target) or llm.n_tokens < len(target):
        if keep == 0:
            llm.reset()
        llm.n_tokens = keep  # eval() drops the KV cache past n_tokens first
        llm.eval(target[keep:])
    return score_rows(llm.scores, seq, start)


def bos_prefix(llm) -> list[int]:
    """``[bos]`` when this model's tokenizer adds a BOS token, else ``[]`` (cached)."""
    cached = getattr(llm, "_assay_bos_prefix", None)
    if cached is None:
        with_bos = list(llm.tokenize(b"x", add_bos=True, special=True))
        plain = list(llm.tokenize(b"x", add_bos=False, special=True))
        bos = llm.token_bos()
        cached = [bos] if bos >= 0 and with_bos[:1] == [bos] and plain[:1] != [bos] else []
        try:
            llm._assay_bos_prefix = cached
        except AttributeError:
            pass
    return list(cached)


def stateful_memory(llm) -> bool:
    """Recurrent/hybrid models cannot drop part of their memory: no prefix reuse there."""
    return bool(getattr(llm, "_is_recurrent", False) or getattr(llm, "_is_hybrid", False))


def score_rows(scores, seq: list[int], start: int) -> LoglikelihoodResult:
    """Sum of log P(seq[p] | seq[:p]) for p >= start, from the logits rows p-1 (float32
    log-softmax, as llama-cpp-python computes it); greedy: each token is the argmax."""
    import numpy as np

    logits = np.asarray(scores[start - 1:len(seq) - 1], dtype=np.single)
    maxs = np.amax(logits, axis=1, keepdims=True)
    maxs[~np.isfinite(maxs)] = 0
    shifted = np.subtract(logits, maxs, dtype=np.single)
    with np.errstate(divide="ignore"):
        lps = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    toks = np.asarray(seq[start:], dtype=np.int64)
    rows = np.arange(len(toks))
    chosen = lps[rows, toks]
    greedy = bool(np.all(chosen >= lps.max(axis=1)))
    return LoglikelihoodResult(float(np.sum(chosen.astype(np.float64))), greedy, len(toks))
