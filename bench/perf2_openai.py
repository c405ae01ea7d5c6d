"""PERF-2: API throughput of the ``openai/`` backend vs a bare asyncio + httpx loop.

Bar (shared/spec/README.md, "Bars"): against a local OpenAI-compatible server with fixed
latency, at least 90% of the requests/second that a bare asyncio HTTP loop with the same
concurrency achieves against the same server.

* Server: ``bench/fixed_latency_server.py`` in its own process on 127.0.0.1, answering every
  ``POST /v1/chat/completions`` after ``--latency-ms`` (default 50).
* bare: one ``httpx.AsyncClient`` (connection pool = concurrency), ``concurrency`` worker
  tasks each POSTing the same chat body in a loop and decoding the JSON answer, until
  ``--requests`` requests are done. requests/s = requests / wall time of that loop.
* assay: the real runner, ``assay.evaluate`` of a gen_qa recipe (metric ``em``, response
  cache off, every output written) over ``--requests`` rows with
  ``--model openai/bench -M base_url=... -M concurrency=C``. requests/s = rows / wall time of
  the whole ``assay.evaluate`` call (reading and validating the data, preflight, planning,
  the requests, scoring, writing the run directory and its HTML report: ``runner``), and
  rows / time of its ``inference`` step alone (backend, preflight and every request, from
  the run's own step events: ``runner-inference``). ``--path backend`` also times the
  backend alone (``OpenAIBackend.generate`` under a semaphore, the runner's pattern).
* Each repetition runs bare then assay at each concurrency, alternating, in this process;
  medians are reported with the ratio assay / bare.

Writes ``bench/out/perf2.json`` and prints a table::

    .venv/bin/python bench/perf2_openai.py [--latency-ms 50] [--concurrency 1,16,64] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "nova_gen_qa_text_eval_dataset_with_metadata.jsonl"
BODY = {"model": "bench", "messages": [{"role": "user", "content": "What is the capital of "
                                                                    "France?"}],
        "max_tokens": 64, "temperature": 0.0, "top_p": 1.0, "seed": 0, "stream": False}


def start_server(latency_ms: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fixed_latency_server.py"),
                             "--port", "0", "--latency-ms", str(latency_ms)],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"fixed-latency server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}/v1"


async def bare(base_url: str, n: int, concurrency: int) -> float:
    """requests/s of a plain httpx loop: ``concurrency`` workers sharing one client."""
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60.0, trust_env=False) as client:
        left = n

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                resp = await client.post(f"{base_url}/chat/completions", json=BODY)
                resp.raise_for_status()
                assert resp.json()["choices"][0]["message"]["content"]

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - t0)


def assay_runner(base_url: str, n: int, concurrency: int, tmp: Path, tag: str
                 ) -> tuple[float, float]:
    """(rows / whole-run seconds, rows / inference-step seconds)."""
    import assay
    from assay.runner.events import RunEvents

    class Steps(RunEvents):
        def __init__(self) -> None:
            self.t: dict[str, float] = {}

        def step_started(self, name: str) -> None:
            self.t[name] = time.perf_counter()

        def step_finished(self, name: str, **kw) -> None:
            self.t[name] = time.perf_counter() - self.t[name]

    data = tmp / f"data-{n}.jsonl"
    if not data.exists():
        lines = [x for x in SAMPLE.read_text(encoding="utf-8").splitlines() if x.strip()]
        data.write_text("\n".join(lines[i % len(lines)] for i in range(n)) + "\n",
                        encoding="utf-8")
    recipe = {"run": {"name": "perf2"},
              "evaluation": {"task": "gen_qa", "strategy": "gen_qa", "metric": "all"},
              "inference": {"max_new_tokens": 64, "temperature": 0}}
    steps = Steps()
    opts = assay.RunOptions(progress="none", print_summary=False, overwrite=True, events=steps)
    t0 = time.perf_counter()
    res = assay.evaluate(recipe, opts, assay__data=str(data), assay__model="openai/bench",
                         assay__model_args={"base_url": base_url, "concurrency": concurrency,
                                            "api_key_env": "ASSAY_PERF2_NO_KEY",
                                            "max_retries": 0},
                         assay__metrics=["em"], assay__cache=False,
                         assay__output_dir=str(tmp / tag))
    wall = time.perf_counter() - t0
    summary = json.loads((res.run_dir / "metrics.json").read_text(encoding="utf-8"))
    errors = _errors(summary)
    if errors:
        raise SystemExit(f"assay run had {errors} failed examples: {res.run_dir}")
    return n / wall, n / steps.t["inference"]


def _errors(summary) -> int:
    if isinstance(summary, dict):
        for key in ("n_errors", "errors", "inference_errors"):
            if isinstance(summary.get(key), int):
                return summary[key]
        return sum(_errors(v) for v in summary.values() if isinstance(v, dict))
    return 0


async def assay_backend(base_url: str, n: int, concurrency: int) -> float:
    """requests/s of ``OpenAIBackend.generate`` alone, under a semaphore as the runner does."""
    from assay.backends.base import ModelSpec, create_backend
    from assay.backends.types import GenerationSettings, InferenceRequest, Message

    backend = create_backend(ModelSpec.parse("openai/bench", {
        "base_url": base_url, "concurrency": concurrency, "api_key_env": "ASSAY_PERF2_NO_KEY",
        "max_retries": 0}))
    settings = GenerationSettings(max_new_tokens=64)
    sem = asyncio.Semaphore(concurrency)
    reqs = [InferenceRequest((Message("user", f"What is the capital of France? ({i})"),),
                             settings, example_id=str(i)) for i in range(n)]

    async def one(r) -> None:
        async with sem:
            out = await backend.generate(r)
            assert out.text

    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(one(r) for r in reqs))
        return n / (time.perf_counter() - t0)
    finally:
        await backend.aclose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--seconds", type=float, default=6.0,
                    help="requests per measurement = seconds * concurrency / latency "
                         "(the ideal time of one measurement)")
    ap.add_argument("--max-requests", type=int, default=4000,
                    help="cap on requests per measurement (bare httpx at concurrency 64 is "
                         "CPU-bound far below the ideal rate)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--path", choices=("runner", "backend", "both"), default="runner")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "perf2.json"))
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    levels = [int(x) for x in args.concurrency.split(",")]
    proc, base_url = start_server(args.latency_ms)
    tmp = Path(tempfile.mkdtemp(prefix="perf2-"))
    results: dict = {"latency_ms": args.latency_ms, "cores": os.cpu_count(),
                     "load_1min_before": os.getloadavg()[0], "repeat": args.repeat,
                     "path": args.path, "levels": {}}
    try:
        # warm-up: imports, the first connection, the first run directory
        asyncio.run(bare(base_url, 20, 4))
        if args.path in ("runner", "both"):
            assay_runner(base_url, 20, 4, tmp, "warmup")
        runs: dict[int, dict[str, list[float]]] = {c: {} for c in levels}
        for rep in range(args.repeat):
            for c in levels:
                n = min(args.max_requests, max(50, int(args.seconds * c * 1000 / args.latency_ms)))
                row = runs[c]
                row.setdefault("n", []).append(n)
                row.setdefault("bare", []).append(asyncio.run(bare(base_url, n, c)))
                if args.path in ("runner", "both"):
                    whole, inference = assay_runner(base_url, n, c, tmp, f"c{c}-r{rep}")
                    row.setdefault("runner", []).append(whole)
                    row.setdefault("runner-inference", []).append(inference)
                if args.path in ("backend", "both"):
                    row.setdefault("backend", []).append(asyncio.run(assay_backend(base_url, n, c)))
                print(f"rep {rep} c={c:<3} n={n:<6} " + "  ".join(
                    f"{k} {v[-1]:8.1f}/s" for k, v in row.items() if k != "n"), flush=True)
        print(f"\nlatency {args.latency_ms:g} ms, {os.cpu_count()} cores, 1-min load before "
              f"{results['load_1min_before']:.2f}; medians of {args.repeat} (requests/s):")
        ideal = lambda c: c * 1000 / args.latency_ms  # noqa: E731
        for c in levels:
            row = runs[c]
            med = {k: statistics.median(v) for k, v in row.items() if k != "n"}
            entry = {"requests": row["n"][0], "ideal_rps": ideal(c), "runs": row,
                     "median_rps": med}
            line = f"c={c:<3} ideal {ideal(c):7.1f}  bare {med['bare']:7.1f}"
            for side in ("runner", "runner-inference", "backend"):
                if side in med:
                    ratios = [a / b for a, b in zip(row[side], row["bare"])]
                    entry[f"{side}_ratio_median"] = statistics.median(ratios)
                    entry[f"{side}_ratio_min"] = min(ratios)
                    line += (f"  assay-{side} {med[side]:7.1f} ratio {statistics.median(ratios):.3f}"
                             f" (min {min(ratios):.3f})")
            results["levels"][str(c)] = entry
            print(line)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
