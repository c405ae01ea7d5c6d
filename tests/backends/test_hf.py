"""The ``hf`` backend on a tiny random Llama built here (a few KB, loads in well under a second):
lm-eval token splitting and batching against a direct per-request forward pass, chat-template
generation, raw-logit top_logprobs, seeded sampling, stop strings and one-line errors.
The real embedded GGUF is compared with llama.cpp in tests/acceptance/test_hf_arc.py."""

from __future__ import annotations

import asyncio
import math
import re
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from assay.backends.base import ModelSpec, create_backend  # noqa: E402
from assay.backends.hf_scoring import batch_order, request_tokens, score_batched  # noqa: E402
from assay.backends.types import (GenerationSettings, InferenceRequest,  # noqa: E402
                                  LoglikelihoodRequest as LL, Message)
from assay.errors import BackendUnavailable, ConfigError, MissingDependency  # noqa: E402

CORPUS = ["The capital of France is Paris.", "Question: what is two plus two? Answer: four",
          "Sunlight is the source of energy for nearly all ecosystems.", "hello world hello world"]
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer Llama with random weights and a byte-level BPE tokenizer that adds a BOS."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    tk.train_from_iterator(CORPUS, trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<s>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tk.post_processor = processors.TemplateProcessing(single="<s> $A",
                                                      special_tokens=[("<s>", 0)])
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<s>", eos_token="<|im_end|>")
    tok.chat_template = CHATML
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=256, bos_token_id=0, eos_token_id=2,
                      initializer_range=0.3, tie_word_embeddings=False)
    folder = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny(tiny_model):
    b = create_backend(ModelSpec.parse(f"hf/{tiny_model}", {"threads": 1, "batch_size": 3}))
    asyncio.run(b.preflight())
    return b


def _direct(backend, seq: list[int], start: int) -> tuple[float, bool]:
    """One request alone, no padding, float64 log-softmax."""
    with torch.inference_mode():
        logits = backend._model(input_ids=torch.tensor([seq[:-1]])).logits[0].double()
    lps = torch.log_softmax(logits, dim=-1)
    rows = lps[start - 1:]
    toks = torch.tensor(seq[start:])
    chosen = rows[torch.arange(len(toks)), toks]
    return float(chosen.sum()), bool(torch.all(rows.argmax(-1) == toks))


REQS = [LL("The capital of France is", " Paris."), LL("The capital of France is ", "Paris."),
        LL("", "hello world"), LL("Question: what is two plus two? Answer:", " four"),
        LL("Sunlight is", " the source of energy for nearly all ecosystems."),
        LL("hello", " world hello world"), LL("Answer:", "")]


def test_token_split_follows_lm_eval(tiny):
    tok, bos = tiny._tokenizer, tiny._bos
    assert bos == [tok.bos_token_id]   # this tokenizer prepends <s> itself
    enc = lambda s: tok(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    seq, start = request_tokens(tok, LL("The capital of France is ", "Paris."), bos)
    # trailing space of the context moves to the continuation
    assert seq == bos + enc("The capital of France is Paris.")
    assert seq[:start] == bos + enc("The capital of France is")
    seq, start = request_tokens(tok, LL("", "hello world"), bos)
    assert start == 1 and seq == bos + enc("hello world")


def test_batched_scores_equal_direct_per_request_in_input_order(tiny):
    got = asyncio.run(tiny.loglikelihood(REQS))
    assert len(got) == len(REQS)
    for req, res in zip(REQS, got):
        seq, start = request_tokens(tiny._tokenizer, req, tiny._bos)
        assert res.n_tokens == len(seq) - start
        if res.n_tokens == 0:
            assert res.logprob == 0.0 and res.greedy
            continue
        lp, greedy = _direct(tiny, seq, start)
        assert res.logprob == pytest.approx(lp, abs=1e-4), req
        assert res.greedy == greedy
    # the same numbers one request at a time (batch size cannot change a score)
    alone = [asyncio.run(tiny.loglikelihood([r]))[0] for r in REQS[:3]]
    assert [a.logprob for a in alone] == pytest.approx([g.logprob for g in got[:3]], abs=1e-4)


def test_batches_are_longest_first_right_padded_and_truncated_from_the_left():
    import numpy as np
    seqs = [[5, 6, 7], [1, 2, 3, 4, 5], [9, 9], [1, 2, 3, 4, 4]]
    assert batch_order(seqs) == [3, 1, 0, 2]   # longest first, ties by token ids
    calls = []

    def forward(rows, width):
        calls.append([list(r) for r in rows])
        out = np.zeros((len(rows), width, 16), dtype=np.float32)
        for j, r in enumerate(rows):
            for p, t in enumerate(r):
                out[j, p, (t + 1) % 16] = 5.0   # predicts "next id" after each token
        return out

    res = score_batched(forward, [(s, 1) for s in seqs], batch_size=2, max_length=10, pad_id=0)
    assert calls == [[[1, 2, 3, 4], [1, 2, 3, 4]], [[5, 6], [9, 0]]]
    assert [r.greedy for r in res] == [True, True, False, False]
    assert [r.n_tokens for r in res] == [2, 4, 1, 4]
    hit, miss = 5 - math.log(math.exp(5) + 15), -math.log(math.exp(5) + 15)
    assert [r.logprob for r in res] == pytest.approx([2 * hit, 4 * hit, miss, 3 * hit + miss])
    # a window of 2 keeps the last 3 tokens: [3, 4, 5] scored from position 1 -> 2 tokens
    (r,) = score_batched(forward, [([1, 2, 3, 4, 5], 1)], batch_size=1, max_length=2, pad_id=0)
    assert calls[-1] == [[3, 4]] and r.n_tokens == 2 and r.greedy


def _ask(backend, text="The capital of France is", **settings):
    req = InferenceRequest(messages=(Message("user", text),),
                           settings=GenerationSettings(**{"max_new_tokens": 12, **settings}))
    return asyncio.run(backend.generate(req))


def test_generation_uses_the_chat_template_and_raw_logprobs(tiny):
    tok = tiny._tokenizer
    c = _ask(tiny, top_logprobs=5)
    prompt = tok.apply_chat_template([{"role": "user", "content": "The capital of France is"}],
                                     add_generation_prompt=True, return_dict=True)["input_ids"]
    assert c.input_tokens == len(prompt) and c.output_tokens == len(c.logprobs) > 0
    assert c.finish_reason == ("length" if c.output_tokens == 12 else "stop")
    assert c.text.strip()
    # recompute each step's raw distribution: one forward pass over prompt + greedy tokens
    ids = list(prompt)
    with torch.inference_mode():
        for _ in range(c.output_tokens):
            ids.append(int(tiny._model(input_ids=torch.tensor([ids])).logits[0, -1].argmax()))
        lps = torch.log_softmax(tiny._model(input_ids=torch.tensor([ids])).logits[0].float(), -1)
    for step, t in enumerate(c.logprobs):
        row, chosen = lps[len(prompt) - 1 + step], ids[len(prompt) + step]
        assert t.token == tok.decode([chosen])
        assert len(t.top) == 5 and t.top[0][0] == t.token            # greedy: chosen = argmax
        assert t.logprob == pytest.approx(float(row[chosen]), abs=1e-4)
        assert [lp for _, lp in t.top] == pytest.approx(
            torch.topk(row, 5).values.tolist(), abs=1e-4)


def test_sampling_is_seeded_and_stop_strings_cut_the_text(tiny):
    a = _ask(tiny, temperature=1.0, top_k=50, top_p=0.95, seed=7)
    b = _ask(tiny, temperature=1.0, top_k=50, top_p=0.95, seed=7)
    others = {_ask(tiny, temperature=1.0, seed=s).text for s in (1, 2, 3)}
    assert a.text == b.text and len(others | {a.text}) > 1
    full = _ask(tiny)
    stop = re.findall(r"[a-z]{2,}", full.text)[0]   # random weights: bytes, some words
    assert full.text.find(stop) > 0
    cut = _ask(tiny, stop=(stop,), top_logprobs=1)
    assert cut.text == full.text[:full.text.find(stop)] and cut.finish_reason == "stop"
    assert 0 < len(cut.logprobs) < full.output_tokens


def test_identity_names_the_weights_and_dtype(tiny, tiny_model):
    ident = tiny.identity()
    assert ident["provider"] == "hf" and ident["dtype"] == "float32"
    assert ident["source"] == str(tiny_model) and ident["digest"].startswith("sha256-files:")


@pytest.mark.parametrize("model, args, match", [
    ("/nonexistent/model-dir", {}, "no model folder or file at /nonexistent/model-dir"),
    ("someorg/not-cached-model", {}, "not in the local Hugging Face cache"),
    ("{tiny}", {"gguf_file": "missing.gguf"}, "gguf_file=missing.gguf: no such file in"),
    ("{tiny}", {"dtype": "int3"}, "dtype must be one of"),
    ("{tiny}", {"bogus": 1}, "unknown hf argument"),
])
def test_bad_models_are_one_line_errors(tiny_model, model, args, match):
    spec = ModelSpec.parse("hf/" + model.format(tiny=tiny_model), args)
    with pytest.raises((BackendUnavailable, ConfigError), match=match) as e:
        create_backend(spec)
    assert "\n" not in str(e.value)


def test_missing_transformers_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(MissingDependency, match=r"pip install 'assay\[hf\]'"):
        create_backend(ModelSpec.parse("hf/smollm2"))


def test_model_names_resolve_without_loading(tiny_model):
    from assay.backends.hf import resolve_model
    assert resolve_model(str(tiny_model), None) == (tiny_model.resolve(), None,
                                                    str(tiny_model.resolve()))
    try:
        from assay.backends.local import embedded_model_path
        gguf = embedded_model_path("smollm2")
    except Exception:  # noqa: BLE001 - the wheel is optional
        return
    embedded = resolve_model("smollm2", None)
    assert embedded == (gguf.parent, gguf.name, "embedded:smollm2")
    assert resolve_model(str(gguf), None)[:2] == (gguf.parent.resolve(), gguf.name)
    assert resolve_model(str(gguf.parent), gguf.name)[:2] == (gguf.parent.resolve(), gguf.name)
