"""Greedy decoding under a llama.cpp grammar, checking the model's own choice first.

llama-cpp-python samples a constrained token by running the grammar over the whole vocabulary
(49,152 candidates for SmolLM2) at every step, then taking the argmax. At temperature 0 that
is wasted work whenever the model's unconstrained argmax is already allowed, which is most
steps once the model follows the format. llama.cpp's own ``common_sampler`` avoids it the
same way this module does:

1. take the argmax ``t`` of the raw logits (the first index among equal maxima, as llama.cpp's
   greedy sampler does);
2. ask the grammar about ``t`` alone (one candidate); if it is allowed, ``t`` is the answer;
3. otherwise run the grammar over every candidate and take the argmax of what it allows;
4. advance the grammar with the chosen token.

The result is the token the full chain (penalties, grammar, greedy) would pick: if ``t`` is
allowed it is the largest allowed logit, and the first such index; if not, step 3 is that
chain. It applies only where that argument holds: temperature 0 and neutral penalties (repeat
1, frequency 0, presence 0), no logits processors; otherwise llama-cpp-python's sampler runs
unchanged. ``tests/backends/test_grammar_sampling.py`` checks identical outputs on the demo.
"""

from __future__ import annotations

import ctypes
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

__all__ = ["fast_greedy_grammar"]


class _GreedyGrammarSampler:
    """Stands in for llama-cpp-python's ``LlamaSampler`` (only ``sample`` is called)."""

    def __init__(self, llama_cpp: Any, llm: Any, grammar: Any) -> None:
        self._lc = llama_cpp
        self._n_vocab = int(llm.n_vocab())
        self._smpl = llama_cpp.llama_sampler_init_grammar(
            llm._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8"))
        if not self._smpl:
            raise ValueError("llama.cpp could not build the grammar sampler")
        self._one = (llama_cpp.llama_token_data * 1)()
        self._one_arr = llama_cpp.llama_token_data_array(
            data=ctypes.cast(self._one, ctypes.POINTER(llama_cpp.llama_token_data)), size=1,
            selected=-1, sorted=False)
        self._all = np.zeros(self._n_vocab, dtype=np.dtype(
            [("id", np.intc), ("logit", np.single), ("p", np.single)], align=True))
        self._all["id"] = np.arange(self._n_vocab, dtype=np.intc)
        self._all_arr = llama_cpp.llama_token_data_array(
            data=self._all.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data)),
            size=self._n_vocab, selected=-1, sorted=False)

    def _allowed(self, token: int, logit: float) -> bool:
        self._one[0].id = token
        self._one[0].logit = logit
        self._one[0].p = 0.0
        self._one_arr.size = 1
        self._one_arr.selected = -1
        self._lc.llama_sampler_apply(self._smpl, ctypes.byref(self._one_arr))
        return bool(np.isfinite(self._one[0].logit))

    def sample(self, ctx: Any, idx: int = -1) -> int:
        ptr = self._lc.llama_get_logits_ith(ctx.ctx, idx)
        logits = np.ctypeslib.as_array(ptr, shape=(self._n_vocab,))
        token = int(np.argmax(logits))
        if not self._allowed(token, float(logits[token])):
            self._all["logit"] = logits
            self._all["p"] = 0.0
            self._all_arr.size = self._n_vocab
            self._all_arr.selected = -1
            self._all_arr.sorted = False
            self._lc.llama_sampler_apply(self._smpl, ctypes.byref(self._all_arr))
            token = int(np.argmax(self._all["logit"]))
            if not np.isfinite(self._all["logit"][token]):
                raise ValueError("the grammar allows no token here")
        self._lc.llama_sampler_accept(self._smpl, token)
        return token

    def close(self) -> None:
        if self._smpl:
            self._lc.llama_sampler_free(self._smpl)
            self._smpl = None

    def __del__(self) -> None:  # pragma: no cover - freed by close() in normal use
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass


def _applies(kw: dict) -> bool:
    return (kw.get("grammar") is not None and float(kw.get("temp", 0.8)) == 0.0
            and float(kw.get("repeat_penalty", 1.0)) == 1.0
            and float(kw.get("frequency_penalty", 0.0)) == 0.0
            and float(kw.get("presence_penalty", 0.0)) == 0.0
            and not kw.get("logits_processor") and int(kw.get("mirostat_mode", 0)) == 0)


@contextmanager
def fast_greedy_grammar(llm: Any, llama_cpp: Any) -> Iterator[None]:
    """While active, ``llm``'s greedy grammar-constrained sampling checks the argmax first."""
    original = llm._init_sampler
    made: list[_GreedyGrammarSampler] = []

    def init_sampler(*args: Any, **kw: Any):
        if args or not _applies(kw):
            return original(*args, **kw)
        s = _GreedyGrammarSampler(llama_cpp, llm, kw["grammar"])
        made.append(s)
        return s

    llm._init_sampler = init_sampler
    try:
        yield
    finally:
        try:
            del llm._init_sampler   # back to the class's method
        except AttributeError:
            pass
        if getattr(llm, "_sampler", None) in made:
            llm._sampler = None
        for s in made:
            s.close()
