"""PERF-4, local inference: the local backend against bare llama-cpp-python.

Bar (shared/spec/README.md): the local backend's tokens/second at least 95% of bare
llama-cpp-python on the same prompts and settings with ``top_logprobs`` 0, and at least bare
with ``top_logprobs`` > 0. (The constrained-decoding part of PERF-4 is
``bench/perf4_constrained.py``.)

The demo's support tickets (system prompt + ticket), free decoding, temperature 0, the
embedded SmolLM2-135M, one process, every ticket asked every way back to back (the order of
the arms rotating from ticket to ticket, so drift in the machine's speed hits every arm alike):

* ``top_logprobs 0``: ``LocalBackend`` vs bare ``Llama(model_path, n_threads=cores)`` with its
  defaults (``logits_all=False``): ``create_chat_completion`` with the same sampling settings;
  plus a third arm, ``LocalBackend`` with ``reuse_prefix`` on (llama.cpp keeps the KV cache of
  the prompt prefix shared with the previous request, i.e. the system prompt), to measure what
  resetting the context per request costs and whether reuse changes the texts;
* ``top_logprobs k`` (k in ``--ks``, > 0): ``LocalBackend`` vs bare ``Llama(...,
  logits_all=True)`` ``create_chat_completion(..., logprobs=True, top_logprobs=k)``,
  llama-cpp-python's own way, on the first ``--rows-logprobs`` tickets.

tokens/s = generated tokens over the summed wall time of the calls (both sides write the same
texts, checked, so the token counts are equal); the per-ticket ratios (assay tokens/s over
bare tokens/s, one pair of back-to-back calls each) are reported as median, min and max, and
each ``--repeat`` pass separately, to show the spread on a shared machine. Writes
``bench/out/perf4_local.json``::

    .venv/bin/python bench/perf4_local.py [--rows 50] [--rows-logprobs 10] [--ks 0,1,5,20]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _git_state() -> dict:
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD") or None,
            "working_tree_modified": bool(git("status", "--porcelain", "--untracked-files=no"))}


def _summary(tally: dict, arm: str) -> dict:
    n, s = tally[arm]
    return {"tokens": n, "seconds": round(s, 3), "tokens_per_s": round(n / s, 2) if s else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50, help="tickets for top_logprobs 0")
    ap.add_argument("--rows-logprobs", type=int, default=10, help="tickets for top_logprobs > 0")
    ap.add_argument("--ks", default="0,1,5,20", help="top_logprobs values")
    ap.add_argument("--max-new-tokens", type=int, default=160)
    ap.add_argument("--repeat", type=int, default=1, help="passes over the tickets")
    ap.add_argument("--threads", type=int, default=0,
                    help="llama.cpp threads on every side (default: every core allowed)")
    ap.add_argument("--no-reuse-arm", action="store_true", help="skip the reuse_prefix arm")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "perf4_local.json"))
    args = ap.parse_args()
    ks = [int(x) for x in args.ks.split(",") if x.strip()]

    import llama_cpp

    from assay.backends.local import LocalBackend, embedded_model_path
    from assay.backends.types import GenerationSettings, InferenceRequest
    from assay.demo import DEMO_DIR
    from assay.prompts.chat import chat_messages

    rows = [json.loads(x) for x in (DEMO_DIR / "support_tickets.jsonl").read_text().splitlines()
            if x.strip()]
    prompts = [chat_messages(r["query"], r.get("system")) for r in rows]
    path = embedded_model_path()
    cores = args.threads or len(os.sched_getaffinity(0))
    mnt = args.max_new_tokens
    backend = LocalBackend("local/smollm2", path, n_threads=cores)
    reuse = None if args.no_reuse_arm else LocalBackend("local/smollm2", path, n_threads=cores,
                                                         reuse_prefix=True)
    bare0 = llama_cpp.Llama(model_path=str(path), n_ctx=backend.n_ctx, n_threads=cores,
                            n_threads_batch=cores, verbose=False)
    bare_lp = llama_cpp.Llama(model_path=str(path), n_ctx=backend.n_ctx, n_threads=cores,
                              n_threads_batch=cores, logits_all=True, verbose=False)
    sampling = dict(max_tokens=mnt, temperature=0.0, top_p=1.0, top_k=0, min_p=0.0,
                    typical_p=1.0, repeat_penalty=1.0, seed=0)

    def ours(b):
        def run(messages, k):
            s = GenerationSettings(max_new_tokens=mnt, temperature=0.0, top_logprobs=k, seed=0)
            t0 = time.perf_counter()
            c = b._run(InferenceRequest(messages=messages, settings=s))
            return c.text, int(c.output_tokens or 0), time.perf_counter() - t0
        return run

    def bare(messages, k):
        llm = bare_lp if k else bare0
        extra = dict(logprobs=True, top_logprobs=k) if k else {}
        llm.reset()
        t0 = time.perf_counter()
        out = llm.create_chat_completion(messages=[m.to_dict() for m in messages],
                                         **sampling, **extra)
        dt = time.perf_counter() - t0
        return (out["choices"][0]["message"]["content"] or "",
                int(out["usage"]["completion_tokens"]), dt)

    arms_for = {}
    for k in ks:
        arms_for[k] = [("assay", ours(backend)), ("bare", bare)]
        if k == 0 and reuse is not None:
            arms_for[k].append(("assay_reuse_prefix", ours(reuse)))

    for k in ks:   # warm-up: load every instance
        for _, fn in arms_for[k]:
            fn(prompts[0], k)

    load_start = os.getloadavg()
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    res: dict = {"started_utc": started, "threads": cores,
                 "cores": len(os.sched_getaffinity(0)), "max_new_tokens": mnt,
                 "repeat": args.repeat, "loadavg_1m_start": round(load_start[0], 2),
                 "llama_cpp_python": getattr(llama_cpp, "__version__", "?"), **_git_state()}
    for k in ks:
        n_rows = args.rows if k == 0 else args.rows_logprobs
        names = [a for a, _ in arms_for[k]]
        tally = {a: [0, 0.0] for a in names}
        same = {a: 0 for a in names if a != "assay"}
        ratios: list[float] = []
        reuse_ratios: list[float] = []
        passes = []
        for p in range(args.repeat):
            ptally = {a: [0, 0.0] for a in names}
            for i, m in enumerate(prompts[:n_rows]):
                arms = list(arms_for[k])
                shift = (i + p) % len(arms)
                arms = arms[shift:] + arms[:shift]   # rotate who goes first
                got = {}
                for name, fn in arms:
                    got[name] = fn(m, k)
                    for t in (tally, ptally):
                        t[name][0] += got[name][1]
                        t[name][1] += got[name][2]
                for a in same:
                    same[a] += got[a][0] == got["assay"][0]
                rate = {a: got[a][1] / got[a][2] for a in got}
                ratios.append(rate["assay"] / rate["bare"])
                if "assay_reuse_prefix" in rate:
                    reuse_ratios.append(rate["assay_reuse_prefix"] / rate["assay"])
            passes.append(round((ptally["assay"][0] / ptally["assay"][1])
                                / (ptally["bare"][0] / ptally["bare"][1]), 3))
        out = {a: _summary(tally, a) for a in names}
        out["rows"] = n_rows
        out["assay_over_bare"] = round(
            out["assay"]["tokens_per_s"] / out["bare"]["tokens_per_s"], 3)
        out["assay_over_bare_per_pass"] = passes
        out["per_ticket_ratio"] = {"median": round(statistics.median(ratios), 3),
                                   "min": round(min(ratios), 3), "max": round(max(ratios), 3)}
        out["same_text_as_assay"] = {a: f"{v}/{n_rows * args.repeat}" for a, v in same.items()}
        if reuse_ratios:
            out["reuse_prefix_over_assay"] = round(
                out["assay_reuse_prefix"]["tokens_per_s"] / out["assay"]["tokens_per_s"], 3)
            out["reuse_prefix_per_ticket_ratio"] = {
                "median": round(statistics.median(reuse_ratios), 3),
                "min": round(min(reuse_ratios), 3), "max": round(max(reuse_ratios), 3)}
        res[f"top_logprobs_{k}"] = out
        r = out
        print(f"top_logprobs {k}: assay {r['assay']['tokens_per_s']} tok/s, bare "
              f"{r['bare']['tokens_per_s']} tok/s, ratio {r['assay_over_bare']} (passes "
              f"{passes}; per ticket median {r['per_ticket_ratio']['median']}, "
              f"{r['per_ticket_ratio']['min']}-{r['per_ticket_ratio']['max']}), same text "
              f"{r['same_text_as_assay']}"
              + (f", reuse_prefix/assay {r['reuse_prefix_over_assay']}" if reuse_ratios else ""),
              flush=True)
    res["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    res["bars"] = {"top_logprobs_0": ">= 0.95", "top_logprobs_k>0": ">= 1.0"}
    res["command"] = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
