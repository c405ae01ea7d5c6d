"""Where PERF-1a's wall time goes: the 10,000-row mock gen_qa run, timed by phase.

Runs ``assay run bench/recipes/gen_qa.yaml --model mock/oracle --metrics em`` (PERF-1a's
command) in a fresh interpreter per repetition, with the runner's phases wrapped in timers:
imports, validating the dataset, executing (inference, scoring, unit files; reading the
samples is inside it), finalising (aggregates and every output file) and the HTML report.
``--src DIR`` times another source tree (``git archive <commit> src | tar -x -C DIR``), so two
commits are compared on the same machine in one sitting; it is byte-compiled first, as a
first import would. Prints medians and writes JSON.

    python3 bench/perf1a_phases.py --repeat 7 --src /tmp/old/src --src src --gc-ab
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = ROOT / ".venv" / "bin" / "python"

_CHILD = r'''
import json, sys, time, inspect
T0 = time.perf_counter()
import assay.cli.app as app
import assay.data.gen_qa as dq
import assay.runner.local_executor as le
import assay.tasks.gen_qa.task as gt
times = {"imports": time.perf_counter() - T0}
def wrap(owner, name, label):
    f = getattr(owner, name)
    if inspect.iscoroutinefunction(f):
        async def w(*a, **k):
            t = time.perf_counter()
            try:
                return await f(*a, **k)
            finally:
                times[label] = times.get(label, 0.0) + time.perf_counter() - t
    else:
        def w(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                times[label] = times.get(label, 0.0) + time.perf_counter() - t
    setattr(owner, name, w)
wrap(dq.GenQADataset, "validate", "validate")
wrap(le.LocalExecutor, "run", "execute")
wrap(gt.GenQATask, "finalize", "finalize")
wrap(gt.GenQATask, "write_report", "report")
sys.argv = ["assay", "run", sys.argv[1], "--data", sys.argv[2], "--model", "mock/oracle",
            "--metrics", "em", "--output-dir", sys.argv[3], "--overwrite", "--quiet"]
try:
    code = app.main()
except SystemExit as exc:
    code = exc.code
times["in_process_total"] = time.perf_counter() - T0
print(json.dumps({"code": code, **times}))
'''


def one(src: Path, data: Path, out: Path, extra_env: dict | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), **(extra_env or {})}
    t = time.perf_counter()
    proc = subprocess.run([PY, "-c", _CHILD, str(BENCH / "recipes" / "gen_qa.yaml"), str(data),
                           str(out)], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    if res["code"] != 0:
        raise RuntimeError(f"assay exited {res['code']}: {proc.stderr[-500:]}")
    res["process_wall"] = wall
    # the rest of the process: loading the recipe, resolving and opening the task (and the
    # imports that pulls in), the run folder, interpreter start-up and exit
    res["other"] = wall - sum(res.get(k, 0.0) for k in ("imports", "validate", "execute",
                                                          "finalize", "report"))
    return res


def _short(label: str) -> str:
    path, _, env = label.partition(" ")
    p = Path(path)
    return f"{p.parent.name}/{p.name}" + (" gc-defaults" if env else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", action="append", required=True, help="a source tree (repeatable)")
    ap.add_argument("--data", default=str(BENCH / "out" / "data" / "gen_qa_10000.jsonl"))
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default=str(BENCH / "out" / "perf1a_phases.json"))
    ap.add_argument("--gc-ab", action="store_true",
                    help="also time the last tree with ASSAY_GC_DEFAULTS=1 (Python's GC settings)")
    a = ap.parse_args()
    srcs = [Path(s).resolve() for s in a.src]
    for src in srcs:
        subprocess.run([PY, "-m", "compileall", "-q", str(src)], check=True,
                       stdout=subprocess.DEVNULL)
    variants = [(str(s), s, None) for s in srcs]
    if a.gc_ab:
        variants.append((f"{srcs[-1]} ASSAY_GC_DEFAULTS=1", srcs[-1],
                         {"ASSAY_GC_DEFAULTS": "1"}))
    runs: dict[str, list[dict]] = {label: [] for label, _s, _e in variants}
    out_dir = BENCH / "out" / "runs" / "perf1a_phases"
    for _label, src, env in variants:   # warm-up, untimed
        one(src, Path(a.data), out_dir, env)
    for _ in range(a.repeat):   # interleaved, so drift in the machine hits every variant alike
        for label, src, env in variants:
            runs[label].append(one(src, Path(a.data), out_dir, env))
    keys = ["imports", "validate", "execute", "finalize", "report", "other", "process_wall"]
    summary = {s: {k: round(statistics.median(r[k] for r in rs), 3) for k in keys}
               for s, rs in runs.items()}
    print(f"{'phase':18s}" + "".join(f"{_short(s):>26s}" for s in summary))
    for k in keys:
        print(f"{k:18s}" + "".join(f"{summary[s][k]:>26.3f}" for s in summary))
    Path(a.out).write_text(json.dumps({"data": a.data, "repeat": a.repeat, "median": summary,
                                       "runs": runs, "loadavg_1m_after": os.getloadavg()[0]},
                                      indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
