"""Multiple choice through ``llama_cpp.server``: per-item time of the ``openai/`` backend's two
log-likelihood paths, ``-M loglikelihood=forced`` (next-token logprobs, no echo) vs
``-M loglikelihood=echo`` (echoed prompt logprobs; SmolLM2 is a *shifted* server, so missing
top-k entries are forced), on the first N ARC-Easy test items, with the embedded SmolLM2.

* Items as lm-evaluation-harness's ``arc_easy``: context ``"Question: {stem}\\nAnswer:"``,
  continuations ``" {choice text}"``; ``--format letters`` instead lists the choices and scores
  ``" A"``, ``" B"``, ... (MMLU style: single-token continuations).
* One server (``python -m llama_cpp.server``, the embedded GGUF, ``n_ctx`` 2048) on 127.0.0.1;
  both backends created once, the echo alignment probed and the tokenizer detected before the
  clock starts; then item by item, the two paths alternate (which goes first alternates too).
  Wall time of ``backend.loglikelihood(choices of one item)`` per item; medians reported,
  plus the largest difference between the two paths' scores (they must agree).

    .venv/bin/python bench/perf_openai_loglikelihood.py [--items 20] [--format text|letters]

Writes ``bench/out/perf_openai_loglikelihood_<format>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARC = ROOT.parent / "shared" / "benchdata" / "arc" / "ARC-Easy-Test.jsonl"


def items(n: int, fmt: str) -> list[tuple[str, list[str]]]:
    out = []
    for line in ARC.read_text(encoding="utf-8").splitlines()[:n]:
        row = json.loads(line)
        q = row["question"]
        choices = q["choices"]
        if fmt == "letters":
            listed = "".join(f"\n{c['label']}. {c['text']}" for c in choices)
            out.append((f"Question: {q['stem']}{listed}\nAnswer:",
                        [f" {c['label']}" for c in choices]))
        else:
            out.append((f"Question: {q['stem']}\nAnswer:", [f" {c['text']}" for c in choices]))
    return out


def start_server() -> tuple[subprocess.Popen, str]:
    import httpx
    from assay.backends.local import embedded_model_path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model",
                             str(embedded_model_path("smollm2")), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "2048"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/models", timeout=1.0, trust_env=False).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("llama_cpp.server did not start within 120 s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--format", choices=("text", "letters"), default="text")
    ap.add_argument("--base-url", help="use this running llama_cpp.server instead")
    ap.add_argument("--out")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from assay.backends.base import ModelSpec, create_backend
    from assay.backends.types import LoglikelihoodRequest as LL

    proc, base = (None, args.base_url) if args.base_url else start_server()
    data = items(args.items, args.format)

    def backend(mode: str):
        return create_backend(ModelSpec.parse("openai/smollm2", {
            "base_url": base, "api_key_env": "ASSAY_BENCH_NO_KEY", "dialect": "llama_cpp",
            "timeout": 300, "concurrency": 1, "loglikelihood": mode}))

    async def go() -> dict:
        paths = {"forced": backend("forced"), "echo": backend("echo")}
        try:
            await paths["echo"].resolve_echo_alignment()
            await paths["forced"].detect_tokenizer()
            times: dict[str, list[float]] = {m: [] for m in paths}
            worst = 0.0
            for i, (ctx, choices) in enumerate(data):
                order = ["forced", "echo"] if i % 2 == 0 else ["echo", "forced"]
                got = {}
                for mode in order:
                    t0 = time.perf_counter()
                    got[mode] = await paths[mode].loglikelihood([LL(ctx, c) for c in choices])
                    times[mode].append(time.perf_counter() - t0)
                worst = max([worst] + [abs(a.logprob - b.logprob)
                                       for a, b in zip(got["forced"], got["echo"])])
                print(f"item {i:3d}: forced {times['forced'][-1]:6.2f} s  echo "
                      f"{times['echo'][-1]:6.2f} s", flush=True)
            return {"times": times, "max_abs_diff": worst,
                    "stats": {m: dict(b.stats) for m, b in paths.items()},
                    "alignment": paths["echo"].echo_alignment}
        finally:
            for b in paths.values():
                await b.aclose()

    load = os.getloadavg()[0]
    try:
        res = asyncio.run(go())
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    med = {m: statistics.median(v) for m, v in res["times"].items()}
    summary = {"format": args.format, "items": len(data), "cores": os.cpu_count(),
               "load_1min_before": load, "median_s_per_item": med,
               "speedup": med["echo"] / med["forced"], **res}
    out = Path(args.out or ROOT / "bench" / "out" / f"perf_openai_loglikelihood_{args.format}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"{len(data)} ARC-Easy items ({args.format}), 1-min load before {load:.2f}: median "
          f"per item forced {med['forced']:.2f} s, echo ({res['alignment']}) {med['echo']:.2f} s "
          f"-> {summary['speedup']:.1f}x; largest score difference {res['max_abs_diff']:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
