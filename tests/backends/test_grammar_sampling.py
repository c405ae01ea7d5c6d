"""The local backend's greedy grammar sampling (argmax checked first) writes exactly what
llama-cpp-python's stock grammar sampling writes (``slow``: runs the embedded model)."""

from __future__ import annotations

import json

import pytest

from assay.backends.grammar_sampling import fast_greedy_grammar
from assay.backends.structured import choice_gbnf, json_gbnf

SCHEMA = {"type": "object",
          "properties": {"class": {"enum": ["Hardware_Critical", "Account_Access",
                                            "Software_Bug", "Billing_Issue", "User_Guidance",
                                            "Network_Critical"]},
                         "thought": {"type": "string", "maxLength": 30}},
          "required": ["class", "thought"], "additionalProperties": False}
TICKETS = ["My laptop will not power on after the update and I have a demo in an hour.",
           "I was charged twice for the same invoice this month.",
           "How do I export my calendar to a CSV file?"]
GREEDY = dict(temperature=0.0, top_p=1.0, top_k=0, min_p=0.0, typical_p=1.0, repeat_penalty=1.0,
              seed=0)


@pytest.fixture(scope="module")
def llm(smollm2_path):
    import llama_cpp

    m = llama_cpp.Llama(model_path=str(smollm2_path), n_ctx=1024, logits_all=True,
                        verbose=False, n_threads=2)
    yield m
    m.close()


def _chat(llm, grammar, text, *, fast, **extra):
    import llama_cpp

    msgs = [{"role": "system", "content": "Classify the ticket. Reply with JSON."},
            {"role": "user", "content": text}]
    llm.reset()
    kw = dict(GREEDY, **extra)
    if fast:
        with fast_greedy_grammar(llm, llama_cpp):
            out = llm.create_chat_completion(messages=msgs, grammar=grammar, max_tokens=96, **kw)
    else:
        out = llm.create_chat_completion(messages=msgs, grammar=grammar, max_tokens=96, **kw)
    return out["choices"][0]["message"]["content"]


@pytest.mark.slow
def test_same_text_as_the_stock_sampler_under_a_json_schema(llm):
    import llama_cpp

    grammar = llama_cpp.LlamaGrammar.from_string(json_gbnf(SCHEMA), verbose=False)
    for text in TICKETS:
        fast = _chat(llm, grammar, text, fast=True)
        assert fast == _chat(llm, grammar, text, fast=False)
        json.loads(fast)   # and the grammar still held


@pytest.mark.slow
def test_same_text_where_the_model_wants_something_else(llm):
    """A choice the model would never write unprompted: most steps take the full path."""
    import llama_cpp

    grammar = llama_cpp.LlamaGrammar.from_string(choice_gbnf(["zebra crossing", "42"]),
                                                 verbose=False)
    for text in TICKETS[:2]:
        fast = _chat(llm, grammar, text, fast=True)
        assert fast in ("zebra crossing", "42")
        assert fast == _chat(llm, grammar, text, fast=False)


@pytest.mark.slow
def test_sampling_settings_outside_greedy_keep_the_stock_sampler(llm):
    import llama_cpp

    grammar = llama_cpp.LlamaGrammar.from_string(choice_gbnf(["yes", "no"]), verbose=False)
    made = []
    original = llm._init_sampler

    with fast_greedy_grammar(llm, llama_cpp):
        patched = llm._init_sampler

        def spy(*a, **kw):
            s = patched(*a, **kw)
            made.append(type(s).__name__)
            return s

        llm._init_sampler = spy
        llm.reset()
        llm.create_chat_completion(messages=[{"role": "user", "content": "ok?"}],
                                   grammar=grammar, max_tokens=4, temperature=0.7, seed=1)
    assert made == ["LlamaSampler"]
    assert llm._init_sampler == original   # the instance is left as it was
