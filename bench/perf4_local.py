"""PERF-4, local inference: the local backend against bare llama-cpp-python.

Bar (shared/spec/README.md): the local backend's tokens/second at least 95% of bare
llama-cpp-python on the same prompts and settings with ``top_logprobs`` 0, and at least bare
with ``top_logprobs`` > 0. (The constrained-decoding part of PERF-4 is
``bench/perf4_constrained.py``.)

The demo's 50 support tickets (system prompt + ticket), free decoding, temperature 0,
``max_new_tokens`` 160, the embedded SmolLM2-135M, one process, every ticket asked four ways
back to back (the pair order alternating from ticket to ticket):

* ``top_logprobs 0``: ``LocalBackend`` (which loads llama.cpp with ``logits_all=True``, as it
  must to give logprobs) vs bare ``Llama(model_path, n_threads=cores)`` with its defaults
  (``logits_all=False``): ``create_chat_completion`` with the same sampling settings;
* ``top_logprobs 5``: ``LocalBackend`` vs bare ``Llama(..., logits_all=True)``
  ``create_chat_completion(..., logprobs=True, top_logprobs=5)``, llama-cpp-python's own way.

tokens/s = generated tokens over the summed wall time of the calls; both sides write the same
texts (checked), so the token counts are equal. Writes ``bench/out/perf4_local.json``::

    .venv/bin/python bench/perf4_local.py [--rows 50]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "perf4_local.json"))
    args = ap.parse_args()

    import llama_cpp

    from assay.backends.local import LocalBackend, embedded_model_path
    from assay.backends.types import GenerationSettings, InferenceRequest
    from assay.demo import DEMO_DIR
    from assay.prompts.chat import chat_messages

    rows = [json.loads(x) for x in (DEMO_DIR / "support_tickets.jsonl").read_text().splitlines()
            if x.strip()][: args.rows]
    prompts = [chat_messages(r["query"], r.get("system")) for r in rows]
    path = embedded_model_path()
    cores = len(os.sched_getaffinity(0))
    backend = LocalBackend("local/smollm2", path)
    bare0 = llama_cpp.Llama(model_path=str(path), n_ctx=backend.n_ctx, n_threads=cores,
                            n_threads_batch=cores, verbose=False)
    bare5 = llama_cpp.Llama(model_path=str(path), n_ctx=backend.n_ctx, n_threads=cores,
                            n_threads_batch=cores, logits_all=True, verbose=False)
    sampling = dict(max_tokens=160, temperature=0.0, top_p=1.0, top_k=0, min_p=0.0,
                    typical_p=1.0, repeat_penalty=1.0, seed=0)

    def ours(messages, k):
        s = GenerationSettings(max_new_tokens=160, temperature=0.0, top_logprobs=k, seed=0)
        t0 = time.perf_counter()
        c = backend._run(InferenceRequest(messages=messages, settings=s))
        return c.text, int(c.output_tokens or 0), time.perf_counter() - t0

    def bare(messages, k):
        llm = bare5 if k else bare0
        extra = dict(logprobs=True, top_logprobs=k) if k else {}
        llm.reset()
        t0 = time.perf_counter()
        out = llm.create_chat_completion(messages=[m.to_dict() for m in messages],
                                         **sampling, **extra)
        dt = time.perf_counter() - t0
        return (out["choices"][0]["message"]["content"] or "",
                int(out["usage"]["completion_tokens"]), dt)

    for k in (0, 5):   # warm-up: load every instance
        ours(prompts[0], k)
        bare(prompts[0], k)

    tally = {k: {"assay": [0, 0.0], "bare": [0, 0.0], "same_text": 0} for k in (0, 5)}
    for i, m in enumerate(prompts):
        for k in (0, 5):
            arms = [("assay", ours), ("bare", bare)]
            if i % 2:
                arms.reverse()
            texts = {}
            for name, fn in arms:
                text, n, dt = fn(m, k)
                texts[name] = text
                tally[k][name][0] += n
                tally[k][name][1] += dt
            tally[k]["same_text"] += texts["assay"] == texts["bare"]

    res: dict = {"rows": len(prompts), "cores": cores, "loadavg_end": os.getloadavg()[0]}
    for k, t in tally.items():
        rate = {arm: t[arm][0] / t[arm][1] for arm in ("assay", "bare")}
        res[f"top_logprobs_{k}"] = {
            arm: {"tokens": t[arm][0], "seconds": round(t[arm][1], 3),
                  "tokens_per_s": round(rate[arm], 2)} for arm in ("assay", "bare")}
        res[f"top_logprobs_{k}"]["assay_over_bare"] = round(rate["assay"] / rate["bare"], 3)
        res[f"top_logprobs_{k}"]["same_text"] = t["same_text"]
    res["bars"] = {"top_logprobs_0": ">= 0.95", "top_logprobs_5": ">= 1.0"}
    res["command"] = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    for k in (0, 5):
        r = res[f"top_logprobs_{k}"]
        print(f"top_logprobs {k}: assay {r['assay']['tokens_per_s']} tok/s, bare "
              f"{r['bare']['tokens_per_s']} tok/s, ratio {r['assay_over_bare']}, same text "
              f"{r['same_text']}/{len(prompts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
