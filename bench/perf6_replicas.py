"""PERF-6: scale-out, ``replicas: 2`` vs ``replicas: 1`` with the embedded model.

Bar (shared/spec/README.md, "Bars"): ``replicas: 2`` on 2 cores at least 1.6x faster than
``replicas: 1`` with the local model, with identical aggregates.

* Data: the first 40 rows of ``shared/samples/nova_gen_qa_text_eval_dataset_with_metadata.jsonl``
  (the file has 39; the 40th is its first row again), gen_qa, ``max_new_tokens`` 64,
  temperature 0, the response cache off (every run generates every answer).
* Both runs in this one process, one after the other, alternating (``--repeat`` pairs):
  ``replicas: 1`` is the in-process executor (llama.cpp with every core);
  ``replicas: 2`` starts a local Ray instance with two replica actors (llama.cpp with
  ``cores // 2`` threads each). Wall time of ``assay.evaluate`` is timed with
  ``time.perf_counter``; for the Ray runs the executor's own split is reported too:
  ``init`` (starting Ray), ``ready`` (starting the actors and loading the model in each),
  ``run`` (inference on the units, what the replicas speed up).
* Agreement: ``metrics.json`` of every run byte-identical to the first ``replicas: 1`` run's.

Writes ``bench/out/perf6.json`` and prints a table::

    /work/main/.venv/bin/python bench/perf6_replicas.py [--rows 40] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "nova_gen_qa_text_eval_dataset_with_metadata.jsonl"


def _rows(n: int) -> list[str]:
    lines = [x for x in SAMPLE.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [lines[i % len(lines)] for i in range(n)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=2, help="pairs of (replicas 1, replicas 2)")
    ap.add_argument("--unit-size", type=int, default=None,
                    help="assay.unit_size for both (default: assay's, 8 for the local model)")
    ap.add_argument("--one-thread", action="store_true",
                    help="also time replicas 1 with llama.cpp on one thread (-M n_threads=1), "
                         "to show how llama.cpp itself scales over the cores")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "perf6.json"))
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    import assay
    from assay.runner import ray_executor

    tmp = Path(tempfile.mkdtemp(prefix="perf6-"))
    data = tmp / "data.jsonl"
    data.write_text("\n".join(_rows(args.rows)) + "\n", encoding="utf-8")
    recipe = {"run": {"name": "perf6"},
              "evaluation": {"task": "gen_qa", "strategy": "gen_qa", "metric": "all"},
              "inference": {"max_new_tokens": args.max_new_tokens, "temperature": 0}}
    opts = assay.RunOptions(progress="none", print_summary=False, overwrite=True)

    def once(replicas: int, tag: str, **model_args) -> dict:
        t0 = time.perf_counter()
        res = assay.evaluate(recipe, opts, assay__data=str(data), assay__model="local/smollm2",
                             assay__model_args=model_args, assay__unit_size=args.unit_size,
                             assay__cache=False, assay__output_dir=str(tmp / tag),
                             run__replicas=replicas)
        wall = time.perf_counter() - t0
        out = {"replicas": replicas, "wall_s": wall,
               "metrics_json": (res.run_dir / "metrics.json").read_bytes().decode()}
        if replicas > 1:
            out.update({f"{k}_s": v for k, v in ray_executor.LAST_TIMINGS.items()})
        return out

    load = os.getloadavg()[0]
    once(1, "warmup")            # model file read into the page cache, imports done
    runs: list[dict] = []
    for i in range(args.repeat):
        runs.append(once(1, f"r1-{i}"))
        runs.append(once(2, f"r2-{i}"))
    single_thread = once(1, "r1-1thread", n_threads=1) if args.one_thread else None
    ref = runs[0]["metrics_json"]
    identical = all(r["metrics_json"] == ref for r in runs)
    one = [r["wall_s"] for r in runs if r["replicas"] == 1]
    two = [r for r in runs if r["replicas"] == 2]
    summary = {
        "rows": args.rows, "max_new_tokens": args.max_new_tokens, "cores": os.cpu_count(),
        "unit_size": args.unit_size,
        "load_1min_before": load, "identical_metrics": identical,
        "replicas1_wall_s": statistics.median(one),
        "replicas2_wall_s": statistics.median(r["wall_s"] for r in two),
        "replicas2_init_s": statistics.median(r["init_s"] for r in two),
        "replicas2_ready_s": statistics.median(r["ready_s"] for r in two),
        "replicas2_run_s": statistics.median(r["run_s"] for r in two),
    }
    summary["speedup_wall"] = summary["replicas1_wall_s"] / summary["replicas2_wall_s"]
    summary["speedup_inference"] = summary["replicas1_wall_s"] / summary["replicas2_run_s"]
    if single_thread is not None:
        summary["replicas1_one_thread_wall_s"] = single_thread["wall_s"]
        summary["one_thread_identical_metrics"] = single_thread["metrics_json"] == ref
    summary["runs"] = [{k: v for k, v in r.items() if k != "metrics_json"} for r in runs]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"rows {args.rows}, max_new_tokens {args.max_new_tokens}, {os.cpu_count()} cores, "
          f"load {load:.2f}; identical metrics.json: {identical}")
    print(f"replicas 1: {summary['replicas1_wall_s']:.1f} s wall (median of {len(one)})")
    print(f"replicas 2: {summary['replicas2_wall_s']:.1f} s wall = Ray start "
          f"{summary['replicas2_init_s']:.1f} s + replicas ready (model loads) "
          f"{summary['replicas2_ready_s']:.1f} s + inference {summary['replicas2_run_s']:.1f} s")
    print(f"speed-up: {summary['speedup_wall']:.2f}x wall, "
          f"{summary['speedup_inference']:.2f}x inference only")
    if single_thread is not None:
        print(f"replicas 1 with llama.cpp on one thread: {single_thread['wall_s']:.1f} s wall "
              f"(llama.cpp's own 2-thread speed-up: "
              f"{single_thread['wall_s'] / summary['replicas1_wall_s']:.2f}x)")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
