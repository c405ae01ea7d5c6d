"""Log-likelihood of continuations on a Hugging Face ``transformers`` causal LM, batched as
lm-evaluation-harness's ``HFLM`` does.

Tokens (the same rule as ``llama_scoring.request_tokens``): the context's trailing whitespace
moves onto the continuation; ``whole = encode(context + continuation)``,
``ctx = encode(context)``; the continuation's tokens are ``whole[len(ctx):]``; an empty context
is scored after the BOS token (EOS when the tokenizer has none). ``encode`` adds no special
tokens except a BOS when the tokenizer itself prepends one (``bos_prefix``); special tokens
written in the text are parsed, as llama.cpp's ``special=True`` does.

Batching: the requests are sorted by descending sequence length (ties by the token ids, as
lm-eval's ``Collator`` orders them), cut into batches of ``batch_size``, right-padded (a causal
model never looks right, so padding cannot change the real positions) and run in one forward
pass each; the results come back in the input order. A sequence longer than ``max_length + 1``
tokens keeps its last ``max_length + 1`` (lm-eval's left truncation). Each token's
log-probability is the float32 log-softmax of the raw logits at the previous position
(``llama_scoring.score_rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .echo_logprobs import split_whitespace
from .llama_scoring import score_rows
from .types import LoglikelihoodRequest, LoglikelihoodResult

__all__ = ["bos_prefix", "request_tokens", "batch_order", "score_batched"]


def bos_prefix(tokenizer) -> list[int]:
    """``[bos]`` when this tokenizer prepends a BOS token by itself, else ``[]``."""
    bos = getattr(tokenizer, "bos_token_id", None)
    if bos is None:
        return []
    with_special = tokenizer("x", add_special_tokens=True)["input_ids"]
    plain = tokenizer("x", add_special_tokens=False)["input_ids"]
    return [bos] if with_special[:1] == [bos] and plain[:1] != [bos] else []


def request_tokens(tokenizer, req: LoglikelihoodRequest, bos: list[int]
                   ) -> tuple[list[int], int]:
    """(the sequence to evaluate, index of its first continuation token)."""
    context, continuation = split_whitespace(req.context, req.continuation)

    def tok(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"]) if text else []

    if not context:
        first = bos or [_bos_or_eos(tokenizer)]
        return first + tok(continuation), len(first)
    ctx = bos + tok(context)
    whole = bos + tok(context + continuation)
    return whole, len(ctx)


def _bos_or_eos(tokenizer) -> int:
    for name in ("bos_token_id", "eos_token_id"):
        tid = getattr(tokenizer, name, None)
        if tid is not None:
            return int(tid)
    raise ValueError("the tokenizer has neither a BOS nor an EOS token to score an empty "
                     "context after")


def batch_order(seqs: Sequence[Sequence[int]]) -> list[int]:
    """Indices in lm-eval's ``Collator`` order: longest first, ties by the token ids."""
    return sorted(range(len(seqs)), key=lambda i: (-len(seqs[i]), tuple(seqs[i])))


def _truncate(seq: list[int], start: int, max_length: int) -> tuple[list[int], int]:
    """Keep the last ``max_length + 1`` tokens (the input is the sequence minus its last)."""
    drop = len(seq) - (max_length + 1)
    if drop <= 0:
        return seq, start
    return seq[drop:], max(1, start - drop)


def score_batched(forward: Callable[[list[list[int]], int], object],
                  items: Sequence[tuple[list[int], int]], *, batch_size: int,
                  max_length: int, pad_id: int) -> list[LoglikelihoodResult]:
    """Score ``(sequence, first continuation index)`` pairs. ``forward(rows, width)`` takes
    right-padded input rows (each the sequence minus its last token) and returns logits as an
    array ``[batch, width, vocab]`` (float32 numpy)."""
    items = [_truncate(list(s), st, max_length) for s, st in items]
    results: list[LoglikelihoodResult | None] = [None] * len(items)
    for i, (seq, start) in enumerate(items):
        if start >= len(seq):
            results[i] = LoglikelihoodResult(0.0, True, 0)
    todo = [i for i in batch_order([s for s, _ in items]) if results[i] is None]
    size = max(1, int(batch_size))
    for b in range(0, len(todo), size):
        chunk = todo[b:b + size]
        inputs = [items[i][0][:-1] for i in chunk]
        width = max(len(x) for x in inputs)
        rows = [x + [pad_id] * (width - len(x)) for x in inputs]
        logits = forward(rows, width)
        for j, i in enumerate(chunk):
            seq, start = items[i]
            # rows start-1 .. len-2 predict tokens start .. len-1
            results[i] = score_rows(logits[j, start - 1:len(seq) - 1], seq[start - 1:], 1)
    assert all(r is not None for r in results)
    return list(results)  # type: ignore[arg-type]
