"""BLEU on the 0-100 scale, equal to sacrebleu's ``BLEU`` with its defaults (13a, 4-grams, ``exp`` smoothing).

Sufficient statistics per example, in sacrebleu's order (``BLEU._compute_segment_statistics``):
``[hyp_len, ref_len, m1, m2, m3, m4, t1, t2, t3, t4]`` where ``m_n`` is the clipped
n-gram match count and ``t_n`` the number of hypothesis n-grams.

* Tokenisation (``Tokenizer13a`` after ``BLEU._preprocess_segment``): ``rstrip()``;
  remove ``<skipped>``; remove ``-\\n``; ``\\n`` -> space; unescape ``&quot; &amp; &lt; &gt;``
  (only when ``&`` occurs); pad with spaces; then the ``TokenizerRegexp`` rules:
  space out each of ``{|}~ [\\]^_` space!"#$%& ()*+ :;<=>?@ /``; split ``.``/``,`` from a
  preceding non-digit and from a following non-digit; split ``-`` after a digit;
  tokens are ``str.split()`` of the result. The first rule is a pure per-character
  rewrite, so rule 1 + split is one ``findall`` (each such character alone, or a run
  of other non-whitespace characters); the other three are context-dependent and
  use the same regular expressions in the same order, per whitespace-separated chunk
  (see :func:`tokenize_13a` for why that is equivalent).
* Score (``BLEU.compute_bleu``): brevity penalty ``exp(1 - ref/hyp)`` when ``hyp < ref``
  (0 when ``hyp == 0``); 0 when no n-gram matches at all; for each order, stop at the
  first with no hypothesis n-grams, otherwise precision ``100 m/t``, or with ``exp``
  smoothing ``100 / (2^k t)`` for the k-th order so far without a match; score
  ``bp * exp(sum(log p_n) / N)`` with ``log 0`` floored at ``-9999999999``. ``N`` is 4 for
  corpus BLEU; sentence BLEU (``sacrebleu.sentence_bleu``) uses the *effective order*,
  ``N`` = the number of orders before the stop.
* Corpus BLEU sums the statistics of all examples first (``sacrebleu.corpus_bleu``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = [
    "MAX_ORDER",
    "N_STATS",
    "tokenize_13a",
    "bleu_stats",
    "bleu_from_stats",
    "bleu_from_stats_batch",
    "sentence_bleu",
    "corpus_bleu",
]

MAX_ORDER = 4
N_STATS = 2 + 2 * MAX_ORDER

# Rule 1 of TokenizerRegexp spaces out each of these characters (and the space).
_SPACED = re.escape("{|}~[\\]^_`!\"#$%&()*+:;<=>?@/")
# Rule 1 followed by str.split(): each such character alone, or a run of other non-spaces.
_RULE1_TOKENS = re.compile(f"[{_SPACED}]|[^{_SPACED}\\s]+")
_PUNCT_AFTER_NONDIGIT = re.compile(r"([^0-9])([\.,])")
_PUNCT_BEFORE_NONDIGIT = re.compile(r"([\.,])([^0-9])")
_DASH_AFTER_DIGIT = re.compile(r"([0-9])(-)")
_LOG_ZERO = -9999999999
_MEMO_MAX_CHARS = 64  # longer chunks are rare and not worth holding in the memo


def _apply_context_rules(chunk: str) -> tuple[str, ...]:
    """The context-dependent 13a rules applied to one whitespace-free chunk."""
    line = f" {chunk} "
    line = _PUNCT_AFTER_NONDIGIT.sub(r"\1 \2 ", line)
    line = _PUNCT_BEFORE_NONDIGIT.sub(r" \1 \2", line)
    line = _DASH_AFTER_DIGIT.sub(r"\1 \2 ", line)
    return tuple(line.split())


_memo_context_rules = lru_cache(maxsize=1 << 16)(_apply_context_rules)


def _split_chunk(chunk: str) -> tuple[str, ...]:
    head, last = chunk[:-1], chunk[-1]
    if (last == "." or last == ",") and head and "." not in head and "," not in head and "-" not in head:
        # The most common shape, "word." or "1648,": the final mark is the only
        # candidate of every rule, and rule 2 (non-digit before it) or rule 3 (the
        # padding space after it) always splits it off.
        return head, last
    if len(chunk) > _MEMO_MAX_CHARS:
        return _apply_context_rules(chunk)
    return _memo_context_rules(chunk)


def tokenize_13a(text: str) -> list[str]:
    """sacrebleu's default ``13a`` tokens of one segment (after its ``rstrip``).

    Rule 1 plus the final split is one ``findall``. After rule 1 every remaining
    run of non-whitespace characters (a chunk) is delimited by whitespace, and the
    three context rules only look at a character and its neighbours, where a
    whitespace neighbour behaves like the padding space and is never needed by two
    matches. So those rules are applied per chunk, only to chunks containing ``.``,
    ``,`` or ``-``, memoised per chunk (LRU, 65,536 chunks of at most 64 characters).
    """
    line = text.rstrip()
    if "<skipped>" in line:
        line = line.replace("<skipped>", "")
    if "\n" in line:
        line = line.replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = (line.replace("&quot;", '"').replace("&amp;", "&")
                .replace("&lt;", "<").replace("&gt;", ">"))
    chunks = _RULE1_TOKENS.findall(line)
    if "." not in line and "," not in line and "-" not in line:
        return chunks
    out: list[str] = []
    for chunk in chunks:
        if "." in chunk or "," in chunk or "-" in chunk:
            out.extend(_split_chunk(chunk))
        else:
            out.append(chunk)
    return out


def bleu_stats(hyp_tokens: list[str], ref_tokens: list[str]) -> list[int]:
    """``[hyp_len, ref_len, m1..m4, t1..t4]`` for one hypothesis and one reference."""
    hyp_len, ref_len = len(hyp_tokens), len(ref_tokens)
    total = [hyp_len, max(hyp_len - 1, 0), max(hyp_len - 2, 0), max(hyp_len - 3, 0)]
    if hyp_tokens == ref_tokens:
        return [hyp_len, ref_len, *total, *total]
    correct = [0, 0, 0, 0]
    if hyp_len == 0 or ref_len == 0:
        return [hyp_len, ref_len, *correct, *total]
    hyp, ref = Counter(hyp_tokens), Counter(ref_tokens)
    matched = 0
    for gram in hyp.keys() & ref.keys():
        a, b = hyp[gram], ref[gram]
        matched += a if a < b else b
    correct[0] = matched
    for n in range(2, MAX_ORDER + 1):
        if matched == 0 or hyp_len < n or ref_len < n:
            break  # no shared n-gram means no shared longer n-gram either
        # Clipped matches: consume the reference counts while walking the hypothesis.
        remaining = Counter(zip(*(ref_tokens[i:] for i in range(n))))
        get = remaining.get
        matched = 0
        for gram in zip(*(hyp_tokens[i:] for i in range(n))):
            left = get(gram)
            if left:
                remaining[gram] = left - 1
                matched += 1
        correct[n - 1] = matched
    return [hyp_len, ref_len, *correct, *total]


def bleu_from_stats(stats: Sequence[float], *, effective_order: bool = False) -> float:
    """BLEU (0-100) from summed statistics, exactly as ``sacrebleu.BLEU.compute_bleu``."""
    sys_len, ref_len = int(stats[0]), int(stats[1])
    correct = stats[2:2 + MAX_ORDER]
    total = stats[2 + MAX_ORDER:2 + 2 * MAX_ORDER]
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    if not any(correct):
        return 0.0
    precisions = [0.0] * MAX_ORDER
    smooth = 1.0
    eff_order = MAX_ORDER
    for n in range(1, MAX_ORDER + 1):
        if total[n - 1] == 0:
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            smooth *= 2
            precisions[n - 1] = 100.0 / (smooth * total[n - 1])
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    logs = [math.log(p) if p != 0.0 else _LOG_ZERO for p in precisions[:eff_order]]
    return bp * math.exp(sum(logs) / eff_order)


def bleu_from_stats_batch(stats: np.ndarray) -> np.ndarray:
    """Corpus BLEU (order 4, ``exp`` smoothing) for each row of a ``(k, 10)`` array.

    Vectorised twin of :func:`bleu_from_stats` (``effective_order=False``), used for
    bootstrap resamples; agrees with it to floating-point rounding.
    """
    s = np.asarray(stats, dtype=np.float64)
    sys_len, ref_len = s[:, 0], s[:, 1]
    correct, total = s[:, 2:2 + MAX_ORDER], s[:, 2 + MAX_ORDER:2 + 2 * MAX_ORDER]
    with np.errstate(divide="ignore", invalid="ignore"):
        bp = np.where(sys_len < ref_len,
                      np.where(sys_len > 0, np.exp(1.0 - ref_len / np.where(sys_len > 0, sys_len, 1.0)), 0.0),
                      1.0)
        unmatched = correct == 0
        smooth = np.exp2(np.cumsum(unmatched, axis=1))
        safe_total = np.where(total > 0, total, 1.0)
        prec = np.where(unmatched, 100.0 / (smooth * safe_total), 100.0 * correct / safe_total)
        logs = np.log(prec)
        log_sum = logs[:, 0] + logs[:, 1] + logs[:, 2] + logs[:, 3]
        score = bp * np.exp(log_sum / MAX_ORDER)
    # Any order with no hypothesis n-grams leaves a zero precision (log floored): score 0.
    zero = ~np.any(correct != 0, axis=1) | np.any(total == 0, axis=1)
    return np.where(zero, 0.0, score)


def sentence_bleu(prediction: str, gold: str) -> float:
    """``sacrebleu.sentence_bleu(prediction, [gold]).score`` (effective order, exp smoothing)."""
    return bleu_from_stats(bleu_stats(tokenize_13a(prediction), tokenize_13a(gold)),
                           effective_order=True)


def corpus_bleu(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """``sacrebleu.corpus_bleu(predictions, [golds]).score``."""
    if len(predictions) != len(golds):
        raise ValueError("predictions and golds differ in length")
    summed = [0] * N_STATS
    for pred, gold in zip(predictions, golds):
        for i, v in enumerate(bleu_stats(tokenize_13a(pred), tokenize_13a(gold))):
            summed[i] += v
    return bleu_from_stats(summed)
