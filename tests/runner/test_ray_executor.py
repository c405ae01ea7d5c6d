"""Replicas on Ray (S1): a real local Ray cluster, joined by address like a remote one.

The cluster is started with ``ray start --head`` on 127.0.0.1 and stopped with
``ray stop --force``; every run is the ``assay`` command in a subprocess that joins it through
``--set assay.ray_address=127.0.0.1:PORT``. Aggregates and per-example records must equal a
single-process run's byte for byte (``latency_s``, a wall-clock measurement, differs between
any two runs, local ones included, and is left out of the record comparison)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import env_for_subprocess, write_jsonl, write_recipe

HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason="needs the ray extra (assay[ray])")

RAY = Path(sys.executable).parent / "ray"
_LATENCY = re.compile(rb'"latency_s": ?[0-9.eE+-]+')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_cmd(*args: str) -> list[str]:
    if RAY.exists():
        return [str(RAY), *args]
    return [sys.executable, "-m", "ray.scripts.scripts", *args]


def _ray_env(env: dict) -> dict:
    # a test cluster on 127.0.0.1 for this user only: no token to share between processes
    env.update(RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")
    env.pop("RAY_ADDRESS", None)
    return env


@pytest.fixture(scope="module")
def cluster():
    port = _free_port()
    env = _ray_env(dict(os.environ))
    proc = subprocess.run(
        _ray_cmd("start", "--head", f"--port={port}", "--num-cpus=2",
                 "--include-dashboard=false", "--disable-usage-stats",
                 "--node-ip-address=127.0.0.1"),
        env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(_ray_cmd("stop", "--force"), env=env, capture_output=True, timeout=120)


def _data(tmp_path: Path, n: int) -> Path:
    return write_jsonl(tmp_path / f"d{n}.jsonl", [
        {"query": f"question {i}", "response": f"the answer {i} is here",
         "metadata": json.dumps({"difficulty": ["easy", "hard"][i % 2]})} for i in range(n)])


def _assay(tmp_path: Path, out: str, data: Path, *args: str, address: str | None = None,
           replicas: int = 1, timeout: int = 540, wait: bool = True):
    recipe = write_recipe(tmp_path / "r.yaml")
    cmd = [sys.executable, "-m", "assay.cli", "run", str(recipe), "--data", str(data),
           "--output-dir", str(tmp_path / out), "--progress", "plain", "--quiet", "--no-cache",
           "--set", f"run.replicas={replicas}", *args]
    if address:
        cmd += ["--set", f"assay.ray_address={address}"]
    env = _ray_env(env_for_subprocess())
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp_path / out / "t", proc.stderr


def _same(a: Path, b: Path) -> None:
    assert (a / "metrics.json").read_bytes() == (b / "metrics.json").read_bytes()
    ea = _LATENCY.sub(b"", (a / "examples.jsonl").read_bytes())
    eb = _LATENCY.sub(b"", (b / "examples.jsonl").read_bytes())
    assert ea == eb
    results = sorted((a / "eval_results").glob("results_*.json"))
    other = sorted((b / "eval_results").glob("results_*.json"))
    assert len(results) == len(other) == 1
    ra, rb = json.loads(results[0].read_text()), json.loads(other[0].read_text())
    assert ra["results"] == rb["results"]


@needs_ray
def test_replicas_give_byte_identical_results_on_a_real_cluster(tmp_path, cluster):
    data = _data(tmp_path, 2000)
    single, _ = _assay(tmp_path, "r1", data, "-m", "mock/echo")
    for n, extra in ((2, ()), (3, ()), (3, ("--set", "assay.unit_size=7"))):
        run, err = _assay(tmp_path, f"r{n}{len(extra)}", data, "-m", "mock/echo", *extra,
                          address=cluster, replicas=n)
        assert f"ray: {n} replica(s) ready" in err
        _same(single, run)
        lines = (run / "examples.jsonl").read_text().splitlines()
        assert [json.loads(x)["index"] for x in lines] == list(range(2000))


@needs_ray
@pytest.mark.slow
def test_replicas_with_the_embedded_model_match_a_single_process(tmp_path, cluster):
    pytest.importorskip("llama_cpp")
    data = _data(tmp_path, 20)
    short = ("-m", "local/smollm2", "--set", "inference.max_new_tokens=12")
    single, _ = _assay(tmp_path, "l1", data, *short)
    double, err = _assay(tmp_path, "l2", data, *short, address=cluster, replicas=2)
    assert "ray: 2 replica(s) ready" in err
    _same(single, double)


@needs_ray
def test_a_resume_on_replicas_asks_only_the_failed_examples_again(tmp_path, cluster):
    n = 300
    data = _data(tmp_path, n)
    clean, _ = _assay(tmp_path, "c", data, "-m", "mock/echo")
    _assay(tmp_path, "p", data, "-m", "mock/echo", "-M", "fail_every=10", "-M",
           "fail_kind=server", "--set", "assay.max_failure_share=0.5",
           "--set", "assay.unit_size=16", "--allow-failures")
    log = tmp_path / "resume.log"
    run, err = _assay(tmp_path, "p", data, "-m", "mock/echo", "-M", f"request_log={log}",
                      "--set", "assay.unit_size=16", "--resume", address=cluster, replicas=2)
    assert "asking 30 failed example(s) again" in err and "ray: 2 replica(s) ready" in err
    assert sorted(int(x) for x in log.read_text().splitlines()) == list(range(9, n, 10))
    _same(clean, run)


@needs_ray
def test_a_stop_request_on_replicas_finishes_units_in_flight_then_resumes(tmp_path, cluster,
                                                                         monkeypatch):
    import threading

    import assay
    from assay.errors import RunStopped
    from assay.runner.stop import clear_stop, request_stop

    for key, value in _ray_env({}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    n = 200
    data = _data(tmp_path, n)
    recipe = write_recipe(tmp_path / "r.yaml")
    log = tmp_path / "req.log"
    keys = dict(assay__data=str(data), assay__model="mock/echo", assay__concurrency=2,
                assay__unit_size=10, assay__output_dir=str(tmp_path / "s"), assay__cache=False)
    clean = assay.evaluate(recipe, _quiet(), **{**keys, "assay__output_dir": str(tmp_path / "c")})

    def stopper() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if log.exists() and len(log.read_text().splitlines()) >= 30:
                request_stop()
                return
            time.sleep(0.02)

    threading.Thread(target=stopper, daemon=True).start()
    try:
        with pytest.raises(RunStopped):
            assay.evaluate(recipe, _quiet(), **keys, run__replicas=2,
                           assay__ray_address=cluster,
                           assay__model_args={"latency": 0.02, "request_log": str(log)})
    finally:
        clear_stop()
    units = list((tmp_path / "s" / "t" / "units").glob("*.jsonl"))
    assert 0 < len(units) < n // 10    # the units in flight were written, no more
    res = assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                  resume=True),
                         **keys, run__replicas=2, assay__ray_address=cluster)
    _same(clean.run_dir, res.run_dir)


def _replica_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"ray::ReplicaWorker"):
            pids.append(int(entry.name))
    return pids


@needs_ray
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the replica processes in /proc")
def test_a_killed_replica_has_its_units_redone_and_nothing_lost_or_doubled(tmp_path, cluster):
    n = 400
    data = _data(tmp_path, n)
    args = ("-m", "mock/echo", "-M", "latency=0.02", "--concurrency", "2",
            "--set", "assay.unit_size=10")
    single, _ = _assay(tmp_path, "k1", data, *args)
    log = tmp_path / "requests.log"
    proc = _assay(tmp_path, "k2", data, *args, "-M", f"request_log={log}", address=cluster,
                  replicas=2, wait=False)
    killed = None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and killed is None:
            pids = _replica_pids()
            done = len(log.read_text().splitlines()) if log.exists() else 0
            if len(pids) == 2 and 60 <= done:
                os.kill(pids[0], signal.SIGKILL)   # a real crash of one replica's process
                killed = pids[0]
            else:
                time.sleep(0.05)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert killed is not None, "the replicas were not found running"
    assert proc.returncode == 0, err[-3000:]
    assert "died" in err
    run = tmp_path / "k2" / "t"
    indices = [json.loads(x)["index"] for x in (run / "examples.jsonl").read_text().splitlines()]
    assert indices == list(range(n))            # every example recorded exactly once
    requested = [int(x) for x in log.read_text().splitlines()]
    assert set(requested) == set(range(n))       # the killed replica's in-flight ones twice
    assert len(requested) >= n
    _same(single, run)


@pytest.mark.skipif(HAVE_RAY, reason="checks the message when ray is missing")
def test_replicas_without_ray_name_the_extra(tmp_path):
    import assay
    from assay.errors import MissingDependency

    data = _data(tmp_path, 3)
    with pytest.raises(MissingDependency, match=r"assay\[ray\]"):
        assay.evaluate(write_recipe(tmp_path / "r.yaml"), _quiet(), assay__data=str(data),
                       assay__model="mock/echo", assay__output_dir=str(tmp_path / "o"),
                       run__replicas=2)


def test_missing_ray_is_a_missing_dependency(monkeypatch):
    from assay.errors import MissingDependency
    from assay.runner import ray_executor

    monkeypatch.setitem(sys.modules, "ray", None)   # import ray raises ImportError
    with pytest.raises(MissingDependency, match=r"replicas > 1 needs the 'ray' package"):
        ray_executor._ray()


# -- what a replica receives must survive pickling, for every task ------------------------

class _ShippedLocal:
    """Runs the units in this process, but with the task's per-example coroutine and state
    after a cloudpickle round trip, as a Ray replica would receive them."""

    async def run(self, job):
        from dataclasses import replace

        from assay.runner.local_executor import LocalExecutor

        import ray

        pickle = ray.cloudpickle
        run_one = pickle.loads(pickle.dumps(job.spec.run_one))
        state = pickle.loads(pickle.dumps(job.spec.state))
        pickle.loads(pickle.dumps(job.spec.model))
        job = replace(job, spec=replace(job.spec, run_one=run_one, state=state),
                      ctx=replace(job.ctx, task=state))
        await LocalExecutor().run(job)


@pytest.fixture
def shipped(monkeypatch):
    from assay.runner import run as run_module

    monkeypatch.setattr(run_module, "_default_executor", lambda recipe: _ShippedLocal())


def _quiet():
    import assay

    return assay.RunOptions(progress="none", print_summary=False, overwrite=True)


@needs_ray
def test_gen_qa_with_a_local_processor_file_runs_on_replicas(tmp_path, cluster):
    # the processor file is loaded under a name no worker can import: its code is shipped
    proc = Path(__file__).parent / "procs" / "ticket_metrics.py"
    rows = [{"query": f"ticket {i}", "response": json.dumps({"class": "Billing_Issue"}),
             "metadata": json.dumps({"difficulty": "easy"})} for i in range(40)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    block = (f"processor:\n  path: {proc}\n  lambda_type: custom_metrics\n"
             "  preprocessing:\n    enabled: true\n  postprocessing:\n    enabled: true\n"
             "  aggregation: average\n")
    recipe = write_recipe(tmp_path / "r.yaml", block)
    base = [sys.executable, "-m", "assay.cli", "run", str(recipe), "--data", str(data),
            "-m", "mock/oracle", "--progress", "none", "--quiet", "--no-cache",
            "--set", "assay.unit_size=5"]
    env = _ray_env(env_for_subprocess())
    for out, extra in (("p1", []), ("p2", ["--set", "run.replicas=2",
                                           "--set", f"assay.ray_address={cluster}"])):
        proc_ = subprocess.run(base + ["--output-dir", str(tmp_path / out)] + extra, env=env,
                               capture_output=True, text=True, timeout=300)
        assert proc_.returncode == 0, proc_.stderr[-3000:]
    _same(tmp_path / "p1" / "t", tmp_path / "p2" / "t")
    metrics = json.loads((tmp_path / "p2" / "t" / "metrics.json").read_text())
    assert "class_accuracy" in json.dumps(metrics)


@needs_ray
def test_benchmark_and_judges_ship(tmp_path, shipped):
    import assay

    fixtures = Path(__file__).resolve().parents[1] / "benchmarks" / "fixtures"
    res = assay.evaluate({"run": {"name": "b"},
                          "evaluation": {"task": "arc", "subtask": "easy", "strategy": "zs",
                                         "metric": "accuracy"},
                          "inference": {"max_new_tokens": 8},
                          "assay": {"model": "mock/oracle", "data": str(fixtures / "arc"),
                                    "output_dir": str(tmp_path / "runs")}}, _quiet())
    assert sum(res.summary["methods"].values()) == 6
    pairs = write_jsonl(tmp_path / "j.jsonl", [
        {"prompt": f"p{i}", "response_A": "a", "response_B": "b"} for i in range(4)])
    for task in ("llm_judge", "rubric_llm_judge"):
        res = assay.evaluate({"run": {"name": task},
                              "evaluation": {"task": task, "strategy": "judge", "metric": "all"},
                              "inference": {"max_new_tokens": 8},
                              "assay": {"data": str(pairs), "output_dir": str(tmp_path / "runs"),
                                        "max_failure_share": 1.0},
                              "judge": {"model": "mock/echo"}}, _quiet())
        assert res.run_dir.exists()


def test_progress_shows_per_replica_throughput():
    import io

    from assay.runner.progress import Progress

    stream = io.StringIO()
    with Progress(4, description="t", mode="plain", stream=stream) as p:
        p.set_postfix("r1 3.1/s r2 2.9/s")
        p.advance(4)
    assert stream.getvalue().rstrip().endswith("r1 3.1/s r2 2.9/s")


@needs_ray
def test_rag_on_replicas_matches_a_single_process(tmp_path, cluster):
    # rag_eval ships to replicas: the Bedrock RAG excerpt (BYOI) judged by a constant judge,
    # and retrieval through a knowledge base built here (real embeddings in every replica)
    from tests.conftest import SAMPLES
    pytest.importorskip("bm25s")
    docs = tmp_path / "docs"
    docs.mkdir()
    for i, text in enumerate(("Paris is the capital of France.", "Rome is in Italy.",
                              "Madrid is the capital of Spain.")):
        (docs / f"d{i}.md").write_text(text, encoding="utf-8")
    env = _ray_env(env_for_subprocess())
    kb = tmp_path / "docs.kb"
    subprocess.run([sys.executable, "-m", "assay.cli", "kb", "build", str(docs), "-o", str(kb),
                    "--progress", "none"], env=env, check=True, timeout=300,
                   capture_output=True)
    recipe = tmp_path / "rag.yaml"
    recipe.write_text("run: {name: t}\nevaluation: {task: rag_eval, strategy: judge}\n"
                      "assay: {model: byoi}\n", encoding="utf-8")
    judge = ["--judge", "mock/constant", "-J", 'text={"reasoning": "ok", "rating": "Supported"}']
    cases = {"byoi": ["--data", str(SAMPLES / "bedrock_rag_eval_byoi_dataset_EXCERPT_first3"
                                            ".jsonl")],
             "kb": ["--data", str(write_jsonl(tmp_path / "q.jsonl", [
                 {"conversationTurns": [{"prompt": {"content": [{"text": q}]}}]}
                 for q in ("capital of France?", "Where is Rome?", "capital of Spain?")])),
                 "--set", f"assay.rag.knowledge_base={kb}", "--set", "assay.rag.mode=retrieve",
                 "--set", "judge.metrics=Builtin.ContextRelevance"]}
    for name, args in cases.items():
        outs = []
        for replicas in (1, 2):
            out = tmp_path / f"{name}{replicas}"
            cmd = [sys.executable, "-m", "assay.cli", "run", str(recipe), *args, *judge,
                   "--output-dir", str(out), "--quiet", "--progress", "none", "--no-cache",
                   "--set", f"run.replicas={replicas}"]
            if replicas > 1:
                cmd += ["--set", f"assay.ray_address={cluster}"]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=540)
            assert proc.returncode == 0, proc.stderr[-3000:]
            outs.append(out / "t")
        a, b = outs
        assert (a / "metrics.json").read_bytes() == (b / "metrics.json").read_bytes(), name
        assert _LATENCY.sub(b"", (a / "examples.jsonl").read_bytes()) == \
            _LATENCY.sub(b"", (b / "examples.jsonl").read_bytes()), name
        assert (a / "rag_output.jsonl").read_bytes() == (b / "rag_output.jsonl").read_bytes()
