"""Run assay's throughput and memory benchmarks and their peers in one invocation.

Bars (shared/spec/README.md, "Bars"):

* PERF-1a  framework overhead: gen_qa over 10,000 rows, zero-cost scripted model, exact
  match only, all outputs written.  assay (``mock/oracle``) vs lm-evaluation-harness
  (``--model dummy``) and inspect_ai (``mockllm/model``) on equivalent tasks over the
  same rows.  Bar: >= 10x lm-eval's samples/s and >= 100x inspect_ai's.
* PERF-1b  full gen_qa metric set over 10,000 (prediction, gold) pairs: assay's whole
  run (``mock/script`` answering the noisy predictions) vs the same metrics computed
  with the reference libraries alone (bench/reference_metrics.py).  Bar: >= 90%.
* PERF-5   peak RSS of a gen_qa run with the scripted model at 1e5, 3e5 and 1e6 rows:
  <= 1 GB and flat as rows grow.

Every tool is run as a whole process (``subprocess``), timed with ``time.perf_counter``
around it, with ``/usr/bin/time -v`` (when present) for peak RSS and CPU seconds; PERF-5
also polls the RSS of the whole process tree from ``/proc``.  samples/s = rows / wall s.
Each timed run is preceded by a small untimed warm-up run of the same tool (imports in
the page cache, lm-eval's dataset cache built), and waits (bounded) for the machine to be
quiet; the 1-minute load average before each run is recorded beside it, and so is
rows / CPU-second, which contention disturbs less.  Nothing is run in parallel.

Results are merged into ``bench/out/results.json`` (a partial run updates only its own
sections).  Usage::

    python3 bench/run_all.py                      # everything
    python3 bench/run_all.py --only lmeval,inspect,reference
    python3 bench/run_all.py --only assay1a,assay1b --repeat 3
    python3 bench/run_all.py --only perf5 --perf5-rows 100000,300000,1000000

Only the standard library is needed to run this file (the tools run in their own venvs:
assay in ``bench/.peers/assay-venv``, the peers in ``bench/.peers/venv``, both made by
bench/peers/setup.sh).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import data as bench_data  # noqa: E402  (bench/data.py)

OUT = BENCH / "out"
DATA_DIR = OUT / "data"
RUNS_DIR = OUT / "runs"
RESULTS = OUT / "results.json"
PEERS = BENCH / "peers"
PEERS_VENV = BENCH / ".peers" / "venv"
PEERS_HF_HOME = BENCH / ".peers" / "hf_home"
# assay as a user installs it (``pip install .``, no extras): made by bench/peers/setup.sh.
# The development .venv is measured too (step assay1a_dev): PERF-1a must hold in both.
ASSAY_BIN = BENCH / ".peers" / "assay-venv" / "bin" / "assay"
# the development venv (``make install``: every extra, pandas included), for PERF-1a's
# "in every install" check (step assay1a_dev)
DEV_ASSAY_BIN = BENCH.parent / ".venv" / "bin" / "assay"
RECIPE = BENCH / "recipes" / "gen_qa.yaml"
GNU_TIME = Path("/usr/bin/time")

SEED = 0
# Offline switches for everything the peers might reach for.
OFFLINE_ENV = {
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_EVALUATE_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "NO_COLOR": "1",
}

STEPS = ("setup", "data", "lmeval", "inspect", "reference", "assay1a", "assay1a_dev", "assay1b",
         "perf5")


# --------------------------------------------------------------------------------------
# measurement
# --------------------------------------------------------------------------------------

def loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def wait_for_quiet(threshold: float, max_wait: float) -> dict[str, float]:
    """Wait (at most ``max_wait`` s) until the 1-minute load average is below threshold."""
    t0 = time.monotonic()
    while loadavg() >= threshold and time.monotonic() - t0 < max_wait:
        time.sleep(2.0)
    return {"loadavg_1m": loadavg(), "waited_s": round(time.monotonic() - t0, 1)}


def _proc_children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces; ppid is the 2nd field after ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """Summed RSS (kB) of ``root`` and all its descendants."""
    kids = _proc_children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(kids.get(pid, ()))
    return total


class _RssPoller(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self.samples += 1
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _parse_gnu_time(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    try:
        text = path.read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, val = line.strip().rpartition(": ")
        if key == "Maximum resident set size (kbytes)":
            out["max_rss_kb"] = int(val)
        elif key == "User time (seconds)":
            out["user_s"] = float(val)
        elif key == "System time (seconds)":
            out["sys_s"] = float(val)
    return out


def measure(cmd: Sequence[str | os.PathLike[str]], *, log: Path, env: dict[str, str] | None = None,
            cwd: Path = REPO, poll_rss: bool = False, timeout: float | None = None,
            check: bool = True) -> dict[str, Any]:
    """Run ``cmd`` as a whole process and measure it (wall, CPU, peak RSS)."""
    cmd = [str(c) for c in cmd]
    log.parent.mkdir(parents=True, exist_ok=True)
    time_file = log.with_suffix(".time")
    full = [str(GNU_TIME), "-v", "-o", str(time_file), *cmd] if GNU_TIME.exists() else cmd
    run_env = {**os.environ, **(env or {})}
    with log.open("w") as logf:
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=run_env, stdout=logf, stderr=subprocess.STDOUT)
        poller = _RssPoller(proc.pid, 0.1) if poll_rss else None
        if poller:
            poller.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        wall = time.perf_counter() - t0
        if poller:
            poller.stop()
    res: dict[str, Any] = {"cmd": cmd, "rc": rc, "wall_s": round(wall, 3), "log": _rel(log)}
    res.update(_parse_gnu_time(time_file))
    if poller:
        res["tree_peak_rss_kb"] = poller.peak_kb
        res["rss_polls"] = poller.samples
    if check and rc != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"command failed (rc={rc}): {' '.join(cmd)}\n--- {log} (tail) ---\n{tail}")
    return res


def _rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(REPO))
    except ValueError:
        return str(p)


def _rates(res: dict[str, Any], rows: int) -> dict[str, Any]:
    res["rows"] = rows
    res["samples_per_s"] = round(rows / res["wall_s"], 2)
    cpu = res.get("user_s", 0.0) + res.get("sys_s", 0.0)
    if cpu > 0:
        res["cpu_s"] = round(cpu, 2)
        res["samples_per_cpu_s"] = round(rows / cpu, 2)
    return res


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (all runs kept under ``runs``)."""
    if len(runs) == 1:
        return runs[0]
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    best = dict(ordered[len(ordered) // 2])
    best["runs_wall_s"] = [r["wall_s"] for r in runs]
    best["median_wall_s"] = statistics.median(r["wall_s"] for r in runs)
    return best


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


# --------------------------------------------------------------------------------------
# setup and data
# --------------------------------------------------------------------------------------

def run_setup() -> dict[str, Any]:
    log = RUNS_DIR / "setup.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    res = measure(["bash", PEERS / "setup.sh"], log=log)
    versions = {}
    for line in log.read_text().splitlines():
        if "==" in line and " " not in line.strip():
            k, v = line.strip().split("==", 1)
            versions[k] = v
    return {"wall_s": res["wall_s"], "versions": versions}


def data_path(rows: int) -> Path:
    return DATA_DIR / f"gen_qa_{rows}.jsonl"


def predictions_path(rows: int) -> Path:
    return DATA_DIR / f"predictions_{rows}.jsonl"


def ensure_data(rows: int) -> Path:
    return bench_data.ensure_gen_qa(data_path(rows), rows, SEED)


def ensure_predictions(rows: int) -> Path:
    p = predictions_path(rows)
    if not p.exists() or _count_lines(p) != rows:
        bench_data.write_predictions(p, rows, SEED)
    return p


def ensure_prefix_data(rows_list: Sequence[int]) -> dict[int, Path]:
    """Data for several sizes: the largest is generated, the smaller ones are its heads
    (row i does not depend on N, so a head equals the smaller generated file)."""
    biggest = max(rows_list)
    big = ensure_data(biggest)
    out = {biggest: big}
    for n in rows_list:
        p = data_path(n)
        if n == biggest or (p.exists() and _count_lines(p) == n):
            out[n] = p
            continue
        tmp = p.with_name(p.name + ".tmp")
        with big.open("rb") as src, tmp.open("wb") as dst:
            for i, line in enumerate(src):
                if i >= n:
                    break
                dst.write(line)
        tmp.replace(p)
        out[n] = p
    return out


# --------------------------------------------------------------------------------------
# peers (PERF-1a)
# --------------------------------------------------------------------------------------

def _peers_env() -> dict[str, str]:
    return {**OFFLINE_ENV, "HF_HOME": str(PEERS_HF_HOME), "VIRTUAL_ENV": str(PEERS_VENV),
            "PATH": f"{PEERS_VENV / 'bin'}:{os.environ.get('PATH', '')}"}


def _render_lmeval_task(data: Path, task_dir: Path) -> Path:
    tmpl = (PEERS / "lmeval_task" / "assay_bench_gen_qa.yaml.tmpl").read_text()
    task_dir.mkdir(parents=True, exist_ok=True)
    path = task_dir / "assay_bench_gen_qa.yaml"
    path.write_text(tmpl.replace("__DATA_FILE__", str(data.resolve())))
    return path


def run_lmeval(data: Path, rows: int, *, repeat: int = 1, quiet: tuple[float, float]) -> dict[str, Any]:
    """lm-evaluation-harness, ``--model dummy`` (answers "lol"), exact_match, samples logged."""
    run_dir = RUNS_DIR / f"lmeval_{rows}"
    shutil.rmtree(run_dir, ignore_errors=True)
    task_dir = run_dir / "task"
    _render_lmeval_task(data, task_dir)
    base = [PEERS_VENV / "bin" / "lm-eval", "run", "--model", "dummy",
            "--tasks", "assay_bench_gen_qa", "--include_path", task_dir, "--log_samples"]
    env = _peers_env()
    # Warm-up (untimed): imports into the page cache, the json dataset's Arrow cache built.
    measure([*base, "--output_path", run_dir / "warmup", "--limit", "10"],
            log=run_dir / "warmup.log", env=env, cwd=run_dir)
    runs = []
    for k in range(repeat):
        out_dir = run_dir / f"out{k}"
        q = wait_for_quiet(*quiet)
        res = _rates(measure([*base, "--output_path", out_dir], log=run_dir / f"run{k}.log",
                             env=env, cwd=run_dir), rows)
        res.update(q)
        samples = sorted(out_dir.rglob("samples_*.jsonl"))
        results = sorted(out_dir.rglob("results_*.json"))
        res["outputs"] = {"samples_lines": _count_lines(samples[0]) if samples else 0,
                          "results_file": bool(results)}
        if results:
            r = json.loads(results[0].read_text())["results"]["assay_bench_gen_qa"]
            res["exact_match"] = r.get("exact_match,none")
        if res["outputs"]["samples_lines"] != rows:
            raise RuntimeError(f"lm-eval wrote {res['outputs']['samples_lines']} samples, expected {rows}")
        runs.append(res)
    return _median_of(runs)


def _inspect_cmd(data: Path, log_dir: Path, max_connections: int, limit: int | None = None) -> list[Any]:
    cmd: list[Any] = [PEERS_VENV / "bin" / "inspect", "eval",
                      # inspect takes a task file relative to its cwd (REPO), not an absolute one
                      (PEERS / "inspect_task.py").relative_to(REPO),
                      "-T", f"data={data.resolve()}", "--model", "mockllm/model",
                      "--display", "none", "--max-connections", str(max_connections),
                      "--log-dir", log_dir]
    if limit is not None:
        cmd += ["-T", f"limit={limit}"]
    return cmd


def _inspect_log_summary(log_dir: Path) -> dict[str, Any]:
    logs = sorted(log_dir.glob("*.eval")) + sorted(log_dir.glob("*.json"))
    if not logs:
        return {"log_file": None}
    code = (
        "import json,sys\n"
        "from inspect_ai.log import read_eval_log\n"
        "log = read_eval_log(sys.argv[1], header_only=True)\n"
        "s = log.results.scores[0] if log.results and log.results.scores else None\n"
        "print(json.dumps({'status': log.status,\n"
        "  'completed_samples': log.results.completed_samples if log.results else 0,\n"
        "  'metrics': {k: v.value for k, v in (s.metrics.items() if s else [])}}))\n"
    )
    p = subprocess.run([PEERS_VENV / "bin" / "python", "-c", code, str(logs[0])],
                       capture_output=True, text=True, env={**os.environ, **_peers_env()})
    out: dict[str, Any] = {"log_file": _rel(logs[0]), "log_bytes": logs[0].stat().st_size}
    if p.returncode == 0:
        out.update(json.loads(p.stdout.strip().splitlines()[-1]))
    else:
        out["read_error"] = p.stderr[-500:]
    return out


def run_inspect(data: Path, rows: int, *, repeat: int = 1, max_connections: int = 64,
                quiet: tuple[float, float]) -> dict[str, Any]:
    """inspect_ai, ``mockllm/model``, generate() + exact(), .eval log written."""
    run_dir = RUNS_DIR / f"inspect_{rows}"
    shutil.rmtree(run_dir, ignore_errors=True)
    env = {**_peers_env(), "INSPECT_DISPLAY": "none"}
    measure(_inspect_cmd(data, run_dir / "warmup", max_connections, limit=20),
            log=run_dir / "warmup.log", env=env)
    runs = []
    for k in range(repeat):
        log_dir = run_dir / f"logs{k}"
        q = wait_for_quiet(*quiet)
        res = _rates(measure(_inspect_cmd(data, log_dir, max_connections),
                             log=run_dir / f"run{k}.log", env=env), rows)
        res.update(q)
        res["max_connections"] = max_connections
        res["outputs"] = _inspect_log_summary(log_dir)
        if res["outputs"].get("completed_samples") not in (None, rows):
            raise RuntimeError(f"inspect completed {res['outputs']['completed_samples']} samples, expected {rows}")
        runs.append(res)
    return _median_of(runs)


# --------------------------------------------------------------------------------------
# reference metrics (PERF-1b)
# --------------------------------------------------------------------------------------

def run_reference(data: Path, preds: Path, rows: int, *, repeat: int = 1,
                  quiet: tuple[float, float]) -> dict[str, Any]:
    run_dir = RUNS_DIR / f"reference_{rows}"
    shutil.rmtree(run_dir, ignore_errors=True)
    py = PEERS_VENV / "bin" / "python"
    script = BENCH / "reference_metrics.py"
    measure([py, script, "--data", data, "--predictions", preds, "--out", run_dir / "warmup.json"],
            log=run_dir / "warmup.log")
    runs = []
    for k in range(repeat):
        q = wait_for_quiet(*quiet)
        out = run_dir / f"ref{k}.json"
        res = _rates(measure([py, script, "--data", data, "--predictions", preds, "--out", out],
                             log=run_dir / f"run{k}.log"), rows)
        res.update(q)
        rep = json.loads(out.read_text())
        res["inprocess"] = {k2: rep[k2] for k2 in ("import_s", "read_s", "compute_s", "inprocess_s",
                                                    "pairs_per_s_compute", "pairs_per_s_inprocess")}
        res["metrics"] = rep["metrics"]
        res["versions"] = rep["versions"]
        runs.append(res)
    return _median_of(runs)


# --------------------------------------------------------------------------------------
# assay (the functions the bars are about)
# --------------------------------------------------------------------------------------

def _assay_cmd(data: Path, out_dir: Path, model: str, *, metrics: str | None,
               model_args: Sequence[str] = (), limit: int | None = None,
               assay_bin: Path = ASSAY_BIN) -> list[Any]:
    cmd: list[Any] = [assay_bin, "run", RECIPE, "--data", data, "--model", model]
    for a in model_args:
        cmd += ["-M", a]
    if metrics:
        cmd += ["--metrics", metrics]
    cmd += ["--output-dir", out_dir, "--overwrite", "--quiet"]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    return cmd


def _assay_outputs(out_dir: Path) -> dict[str, Any]:
    run = out_dir / "bench"
    metrics_file = run / "metrics.json"
    out: dict[str, Any] = {"files": sorted(_rel(p) for p in run.rglob("*") if p.is_file())[:50]}
    if metrics_file.exists():
        m = json.loads(metrics_file.read_text())
        out["n_examples"] = m.get("n_examples")
        out["n_errors"] = m.get("n_errors")
        out["flat"] = m.get("flat")
    out["bytes_written"] = sum(p.stat().st_size for p in run.rglob("*") if p.is_file())
    return out


def _run_assay(label: str, data: Path, rows: int, model: str, *, metrics: str | None,
               model_args: Sequence[str] = (), repeat: int, quiet: tuple[float, float],
               poll_rss: bool = False, keep_outputs: bool = True,
               assay_bin: Path = ASSAY_BIN) -> dict[str, Any]:
    if not assay_bin.exists():
        return {"skipped": f"{_rel(assay_bin)} not found (run bench/peers/setup.sh, or make "
                           "install for the development venv)"}
    run_dir = RUNS_DIR / label
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    # Warm-up (untimed), small.
    measure(_assay_cmd(data, run_dir / "warmup", model, metrics=metrics, model_args=model_args,
                       limit=min(rows, 100), assay_bin=assay_bin), log=run_dir / "warmup.log")
    runs = []
    for k in range(repeat):
        out_dir = run_dir / f"out{k}"
        q = wait_for_quiet(*quiet)
        res = _rates(measure(_assay_cmd(data, out_dir, model, metrics=metrics, model_args=model_args,
                                        assay_bin=assay_bin),
                             log=run_dir / f"run{k}.log", poll_rss=poll_rss), rows)
        res.update(q)
        res["outputs"] = _assay_outputs(out_dir)
        if res["outputs"].get("n_examples") != rows:
            raise RuntimeError(f"assay scored {res['outputs'].get('n_examples')} examples, expected {rows}")
        if not keep_outputs:
            shutil.rmtree(out_dir, ignore_errors=True)
        runs.append(res)
    return _median_of(runs)


def run_assay_perf1a(data_path: Path, *, repeat: int = 1,
                     quiet: tuple[float, float] = (0.8, 60.0),
                     assay_bin: Path = ASSAY_BIN) -> dict[str, Any]:
    """PERF-1a, assay side: gen_qa over the rows of ``data_path``, ``mock/oracle``
    (answers with the gold at zero cost), exact match only, every output written."""
    rows = _count_lines(data_path)
    label = f"assay1a_{rows}" if assay_bin == ASSAY_BIN else f"assay1a_dev_{rows}"
    return _run_assay(label, data_path, rows, "mock/oracle", metrics="em",
                      repeat=repeat, quiet=quiet, assay_bin=assay_bin)


def run_assay_perf1b(data_path: Path, *, repeat: int = 1,
                     quiet: tuple[float, float] = (0.8, 60.0)) -> dict[str, Any]:
    """PERF-1b, assay side: the full gen_qa metric set over the rows of ``data_path``,
    ``mock/script`` answering the same noisy predictions the reference script scores."""
    rows = _count_lines(data_path)
    preds = ensure_predictions(rows)
    return _run_assay(f"assay1b_{rows}", data_path, rows, "mock/script", metrics=None,
                      model_args=[f"file={preds.resolve()}"], repeat=repeat, quiet=quiet)


def run_assay_perf5(n_rows: int, *, quiet: tuple[float, float] = (0.8, 60.0)) -> dict[str, Any]:
    """PERF-5: one gen_qa run over ``n_rows`` rows (em only, ``mock/oracle``), peak RSS of
    the process tree (polled) and of the largest process (/usr/bin/time).  Outputs are
    deleted afterwards (they are GBs at 1e6 rows)."""
    data = ensure_prefix_data([n_rows])[n_rows]
    res = _run_assay(f"perf5_{n_rows}", data, n_rows, "mock/oracle", metrics="em",
                     repeat=1, quiet=quiet, poll_rss=True, keep_outputs=False)
    shutil.rmtree(RUNS_DIR / f"perf5_{n_rows}" / "warmup", ignore_errors=True)
    return res


# --------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------

_METRIC_KEYS = ("em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2", "rougeL", "bleu")


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    s: dict[str, Any] = {}
    p1a = results.get("perf1a", {})
    a = p1a.get("assay", {}).get("samples_per_s")
    lm = p1a.get("lm_eval", {}).get("samples_per_s")
    ins = p1a.get("inspect_ai", {}).get("samples_per_s")
    if a and lm:
        s["perf1a_vs_lm_eval"] = {"ratio": round(a / lm, 2), "bar": 10, "pass": a / lm >= 10}
    if a and ins:
        s["perf1a_vs_inspect_ai"] = {"ratio": round(a / ins, 2), "bar": 100, "pass": a / ins >= 100}
    dev = p1a.get("assay_dev_venv", {}).get("samples_per_s")
    if dev and lm:
        s["perf1a_dev_venv_vs_lm_eval"] = {"ratio": round(dev / lm, 2), "bar": 10,
                                           "pass": dev / lm >= 10}
    if dev and ins:
        s["perf1a_dev_venv_vs_inspect_ai"] = {"ratio": round(dev / ins, 2), "bar": 100,
                                              "pass": dev / ins >= 100}
    p1b = results.get("perf1b", {})
    a = p1b.get("assay", {}).get("samples_per_s")
    ref = p1b.get("reference", {})
    if a and ref.get("samples_per_s"):
        whole = a / ref["samples_per_s"]
        inproc = a / ref["inprocess"]["pairs_per_s_compute"]
        s["perf1b"] = {"ratio_vs_reference_whole_process": round(whole, 3),
                       "ratio_vs_reference_compute_only": round(inproc, 3),
                       "bar": 0.9, "pass": min(whole, inproc) >= 0.9}
        flat = p1b.get("assay", {}).get("outputs", {}).get("flat") or {}
        diffs = {k: abs(flat[k] - ref["metrics"][k]) for k in _METRIC_KEYS
                 if k in flat and k in ref.get("metrics", {})}
        if diffs:
            s["perf1b"]["max_abs_diff_vs_reference"] = max(diffs.values())
            s["perf1b"]["metric_abs_diffs"] = diffs
    p5 = results.get("perf5", {}).get("runs", {})
    if p5:
        peaks = {int(n): max(r.get("tree_peak_rss_kb", 0), r.get("max_rss_kb", 0)) * 1024
                 for n, r in p5.items() if "wall_s" in r}
        if peaks:
            lo, hi = min(peaks.values()), max(peaks.values())
            ns = sorted(peaks)
            # Least-squares slope of peak RSS against rows: what each extra row costs.
            slope = 0.0
            if len(ns) > 1:
                mx = statistics.fmean(ns)
                my = statistics.fmean(peaks[n] for n in ns)
                slope = (sum((n - mx) * (peaks[n] - my) for n in ns)
                         / sum((n - mx) ** 2 for n in ns))
            s["perf5"] = {"peak_rss_bytes": {str(n): peaks[n] for n in ns},
                          "max_bytes": hi, "bar_bytes": 10**9,
                          "growth_max_over_min": round(hi / lo, 3),
                          "slope_bytes_per_row": round(slope, 1),
                          "projected_bytes_at_1e7_rows": int(peaks[ns[-1]] + slope * (10**7 - ns[-1])),
                          # "flat": at most 25% growth over the measured range (10x rows).
                          "flat": hi / lo <= 1.25, "le_1gb": hi <= 10**9,
                          "pass": hi <= 10**9 and hi / lo <= 1.25}
    return s


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "mem_gib": round(mem_kb / 2**20, 1),
            "platform": platform.platform(), "python": platform.python_version()}


def load_results() -> dict[str, Any]:
    if RESULTS.exists():
        try:
            return json.loads(RESULTS.read_text())
        except ValueError:
            pass
    return {}


def _git_commit() -> str:
    """HEAD of the measured tree, with "+modified" when the working tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=BENCH, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=BENCH, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+modified" if dirty else "")


def save_results(results: dict[str, Any]) -> None:
    results["updated"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    results["commit"] = _git_commit()
    results["machine"] = machine_info()
    results["summary"] = summarize(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=RESULTS.parent, prefix=".results.", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, RESULTS)


def _stamp(entry: dict[str, Any]) -> dict[str, Any]:
    entry["measured_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return entry


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="assay benchmarks and peers (PERF-1a, PERF-1b, PERF-5)")
    ap.add_argument("--only", default=",".join(STEPS),
                    help=f"comma-separated steps among {', '.join(STEPS)} (default: all)")
    ap.add_argument("--rows", type=int, default=10_000, help="rows for PERF-1a/1b (default 10000)")
    ap.add_argument("--inspect-rows", default="1000,10000",
                    help="row counts for inspect_ai (it is slow; a smaller one checks linearity)")
    ap.add_argument("--perf5-rows", default="100000,300000,1000000")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per fast tool (median kept)")
    ap.add_argument("--max-connections", type=int, default=64, help="inspect_ai --max-connections")
    ap.add_argument("--quiet-load", type=float, default=0.8,
                    help="wait for the 1-min load average to fall below this before each timed run")
    ap.add_argument("--quiet-wait", type=float, default=60.0, help="longest wait for quiet (s)")
    a = ap.parse_args(argv)

    steps = [s.strip() for s in a.only.split(",") if s.strip()]
    bad = [s for s in steps if s not in STEPS]
    if bad:
        ap.error(f"unknown step(s) {bad}; choose from {STEPS}")
    quiet = (a.quiet_load, a.quiet_wait)
    results = load_results()
    results.setdefault("perf1a", {})
    results.setdefault("perf1b", {})
    results.setdefault("perf5", {"runs": {}})

    def log(msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    if "setup" in steps:
        log("setting up the peers' venv")
        results["setup"] = run_setup()
        save_results(results)
    data = ensure_data(a.rows)
    preds = ensure_predictions(a.rows)
    if "data" in steps:
        results["data"] = {"rows": a.rows, "seed": SEED, "gen_qa": _rel(data), "predictions": _rel(preds),
                           "gen_qa_bytes": data.stat().st_size}
        save_results(results)

    if "lmeval" in steps:
        log(f"lm-eval (dummy) over {a.rows} rows")
        results["perf1a"]["lm_eval"] = _stamp(run_lmeval(data, a.rows, repeat=a.repeat, quiet=quiet))
        log(f"  {results['perf1a']['lm_eval']['samples_per_s']} samples/s")
        save_results(results)
    if "inspect" in steps:
        for n in sorted({int(x) for x in a.inspect_rows.split(",") if x.strip()}):
            d = ensure_prefix_data([a.rows, n])[n]
            log(f"inspect_ai (mockllm) over {n} rows")
            res = _stamp(run_inspect(d, n, repeat=1 if n >= 5000 else a.repeat,
                                     max_connections=a.max_connections, quiet=quiet))
            key = "inspect_ai" if n == a.rows else f"inspect_ai_{n}"
            results["perf1a"][key] = res
            log(f"  {res['samples_per_s']} samples/s")
            save_results(results)
    if "reference" in steps:
        log(f"reference metrics over {a.rows} pairs")
        results["perf1b"]["reference"] = _stamp(run_reference(data, preds, a.rows, repeat=a.repeat,
                                                              quiet=quiet))
        log(f"  {results['perf1b']['reference']['samples_per_s']} pairs/s whole process, "
            f"{results['perf1b']['reference']['inprocess']['pairs_per_s_compute']:.1f} compute only")
        save_results(results)
    if "assay1a" in steps:
        log(f"assay PERF-1a over {a.rows} rows")
        results["perf1a"]["assay"] = _stamp(run_assay_perf1a(data, repeat=a.repeat, quiet=quiet))
        log(f"  {results['perf1a']['assay'].get('samples_per_s')} samples/s")
        save_results(results)
    if "assay1a_dev" in steps:
        log(f"assay PERF-1a over {a.rows} rows, development venv")
        # an editable install imports src/: byte-compile it as a first import would (the
        # shell may set PYTHONDONTWRITEBYTECODE, and then every run would compile ~100
        # modules, ~0.08 s); pip compiles the plain install and the peers at install time
        subprocess.run([DEV_ASSAY_BIN.parent / "python", "-m", "compileall", "-q",
                        BENCH.parent / "src"], check=True, stdout=subprocess.DEVNULL)
        results["perf1a"]["assay_dev_venv"] = _stamp(run_assay_perf1a(
            data, repeat=a.repeat, quiet=quiet, assay_bin=DEV_ASSAY_BIN))
        log(f"  {results['perf1a']['assay_dev_venv'].get('samples_per_s')} samples/s")
        save_results(results)
    if "assay1b" in steps:
        log(f"assay PERF-1b over {a.rows} rows")
        results["perf1b"]["assay"] = _stamp(run_assay_perf1b(data, repeat=a.repeat, quiet=quiet))
        log(f"  {results['perf1b']['assay'].get('samples_per_s')} samples/s")
        save_results(results)
    if "perf5" in steps:
        sizes = sorted({int(float(x)) for x in a.perf5_rows.split(",") if x.strip()})
        log(f"generating PERF-5 data up to {max(sizes)} rows")
        ensure_prefix_data(sizes)
        for n in sizes:
            log(f"assay PERF-5 over {n} rows")
            res = _stamp(run_assay_perf5(n, quiet=quiet))
            results["perf5"]["runs"][str(n)] = res
            log(f"  peak RSS {max(res.get('tree_peak_rss_kb', 0), res.get('max_rss_kb', 0)) / 1024:.0f} MiB, "
                f"{res.get('samples_per_s')} samples/s")
            save_results(results)

    save_results(results)
    print(json.dumps(results["summary"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
