"""PERF-4: the cost of constrained decoding (structured output) on the local backend.

Bar (issue 13): constrained decoding costs at most 1.3x unconstrained tokens/s on the demo,
i.e. ``unconstrained tokens/s / constrained tokens/s <= 1.3``.

The demo's 50 support tickets (``src/assay/demo``: system prompt + ticket, the demo's JSON
Schema, ``temperature 0``, ``top_logprobs 5``, ``max_new_tokens 160``) on the embedded
SmolLM2-135M, one process, one model instance, each ticket asked in both ways back to back
(the order alternating from ticket to ticket so drift in machine load hits both alike):

* **A, the product path**: ``LocalBackend.complete`` with the demo's settings, with and without
  ``response_format``. tokens/s = the sum of output tokens over the sum of request wall times
  (prompt processing included, as a user experiences it). The two arms write different texts
  of different lengths, so this mixes the grammar's cost with the length of the answers.
* **B, equal work**: the same prompt and exactly the same number of generated tokens in both
  arms: the constrained request (the grammar assay builds for the demo schema, decoded as
  ``LocalBackend`` decodes it: ``backends/grammar_sampling.py``) generates ``n``
  tokens; the unconstrained one is then asked for ``max_tokens = n`` with the end-of-sequence
  token banned (``logit_bias``), so both decode ``n`` tokens after the same prompt. tokens/s =
  the sum of ``n`` over the sum of wall times. This isolates what the grammar costs per token.
  llama-cpp-python's stock grammar sampling (the grammar run over the whole vocabulary at every
  step) is timed as a third arm, with a check that it writes the same text.

Writes ``bench/out/perf4.json`` and prints a table::

    .venv/bin/python bench/perf4_constrained.py [--rows 50]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load_demo(rows: int):
    import yaml

    from assay.demo import DEMO_DIR
    from assay.prompts.chat import chat_messages

    recipe = yaml.safe_load((DEMO_DIR / "recipe.yaml").read_text())
    lines = [json.loads(x) for x in (DEMO_DIR / "support_tickets.jsonl").read_text().splitlines()
             if x.strip()]
    msgs = [chat_messages(r["query"], r.get("system")) for r in lines[:rows]]
    return recipe, msgs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "perf4.json"))
    args = ap.parse_args()

    from assay.backends.local import LocalBackend, embedded_model_path
    from assay.backends.structured import json_schema_format
    from assay.backends.types import GenerationSettings, InferenceRequest

    recipe, prompts = _load_demo(args.rows)
    inf = recipe["inference"]
    fmt = json_schema_format(recipe["assay"]["response_schema"])
    base = GenerationSettings(max_new_tokens=int(inf["max_new_tokens"]),
                              temperature=float(inf["temperature"]),
                              top_logprobs=int(inf["top_logprobs"]), seed=0)
    constrained = GenerationSettings(**{**base.to_dict(), "stop": (), "response_format": fmt})
    backend = LocalBackend("local/smollm2", embedded_model_path())

    def ask(messages, settings):
        t0 = time.perf_counter()
        c = backend._run(InferenceRequest(messages=messages, settings=settings))
        return c, time.perf_counter() - t0

    ask(prompts[0], constrained)   # warm-up: load the model, compile the grammar
    ask(prompts[0], base)

    # A: the product path
    a = {"constrained": [0, 0.0], "free": [0, 0.0]}
    schema_ok = 0
    for i, m in enumerate(prompts):
        order = (("constrained", constrained), ("free", base))
        for arm, s in (order if i % 2 == 0 else order[::-1]):
            c, dt = ask(m, s)
            a[arm][0] += c.output_tokens or 0
            a[arm][1] += dt
            if arm == "constrained":
                try:
                    json.loads(c.text)
                    schema_ok += 1
                except ValueError:
                    pass

    # B: equal work, on the backend's own llama.cpp instance and the grammar it built; the
    # constrained arm decodes the way LocalBackend does (backends/grammar_sampling.py), and
    # llama-cpp-python's stock grammar sampling is timed too, for reference
    import llama_cpp

    from assay.backends.grammar_sampling import fast_greedy_grammar

    llm = backend._ensure_loaded().get()
    grammar = backend._grammar(fmt)
    eos = llm.token_eos()
    b = {"constrained": [0, 0.0], "free": [0, 0.0], "constrained_stock_sampler": [0, 0.0]}
    same_text = 0
    common = dict(temperature=0.0, top_p=1.0, top_k=0, min_p=0.0, typical_p=1.0,
                  repeat_penalty=1.0, seed=0, logprobs=False)
    for i, m in enumerate(prompts):
        msgs = [x.to_dict() for x in m]
        llm.reset()
        t0 = time.perf_counter()
        with fast_greedy_grammar(llm, llama_cpp):
            out = llm.create_chat_completion(messages=msgs, max_tokens=base.max_new_tokens,
                                             grammar=grammar, **common)
        t_c = time.perf_counter() - t0
        n = int(out["usage"]["completion_tokens"])
        llm.reset()
        t0 = time.perf_counter()
        free = llm.create_chat_completion(messages=msgs, max_tokens=n,
                                          logit_bias={eos: -1e9}, **common)
        t_f = time.perf_counter() - t0
        assert int(free["usage"]["completion_tokens"]) == n, "unequal token counts"
        llm.reset()
        t0 = time.perf_counter()
        stock = llm.create_chat_completion(messages=msgs, max_tokens=base.max_new_tokens,
                                           grammar=grammar, **common)
        t_s = time.perf_counter() - t0
        same_text += stock["choices"][0]["message"]["content"] == \
            out["choices"][0]["message"]["content"]
        for arm, dt in (("constrained", t_c), ("free", t_f), ("constrained_stock_sampler", t_s)):
            b[arm][0] += n
            b[arm][1] += dt

    def rate(x):
        return x[0] / x[1] if x[1] else float("nan")

    res = {
        "rows": len(prompts), "cpu_count": os.cpu_count(),
        "loadavg_end": os.getloadavg()[0],
        "A_product_path": {arm: {"tokens": v[0], "seconds": round(v[1], 3),
                                 "tokens_per_s": round(rate(v), 2)} for arm, v in a.items()},
        "B_equal_work": {arm: {"tokens": v[0], "seconds": round(v[1], 3),
                               "tokens_per_s": round(rate(v), 2)} for arm, v in b.items()},
        "constrained_replies_that_parse": schema_ok,
        "stock_sampler_same_text": same_text,
    }
    res["A_ratio_free_over_constrained"] = round(rate(a["free"]) / rate(a["constrained"]), 3)
    res["B_ratio_free_over_constrained"] = round(rate(b["free"]) / rate(b["constrained"]), 3)
    res["B_ratio_free_over_stock_sampler"] = round(
        rate(b["free"]) / rate(b["constrained_stock_sampler"]), 3)
    res["bar"] = 1.3
    res["command"] = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(f"{'arm':<28}{'tokens':>8}{'seconds':>10}{'tokens/s':>10}")
    for part in ("A_product_path", "B_equal_work"):
        for arm, v in res[part].items():
            print(f"{part + ' ' + arm:<28}{v['tokens']:>8}{v['seconds']:>10}{v['tokens_per_s']:>10}")
    print(f"ratio free/constrained: A {res['A_ratio_free_over_constrained']}, "
          f"B {res['B_ratio_free_over_constrained']} (bar <= 1.3); "
          f"constrained replies that parse: {schema_ok}/{len(prompts)}; stock sampler: "
          f"ratio {res['B_ratio_free_over_stock_sampler']}, same text {same_text}/{len(prompts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
