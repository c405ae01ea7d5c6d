"""Shared by the MLflow tests: a gen_qa recipe on the sample data, a real ``mlflow server``,
and the check that what MLflow holds equals the run's own files."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from assay.results.query import metric_rows

from ..conftest import SAMPLES

DATA = SAMPLES / "nova_gen_qa_text_eval_dataset_with_metadata.jsonl"
STATS = {"value": 1, "stderr": 2, "ci_low": 3, "ci_high": 4}
SERVER_READY_S = 60


def gen_qa_recipe(tmp_path: Path, uri: str | None, **run_keys: Any) -> dict:
    if not DATA.exists():
        pytest.skip("shared/samples not present beside the repository")
    run = {"name": "tracked", **run_keys}
    if uri is not None:
        run["mlflow_tracking_uri"] = uri
    return {"run": run,
            "evaluation": {"task": "gen_qa", "strategy": "gen_qa", "metric": "all"},
            "inference": {"max_new_tokens": 64, "temperature": 0},
            "assay": {"model": "mock/oracle", "data": str(DATA),
                      "output_dir": str(tmp_path / "runs"), "group_by": ["difficulty"],
                      "cache": False}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def mlflow_server(tmp_path: Path):
    """A real ``mlflow server`` on 127.0.0.1 (SQLite store, local artifact root), ready
    within :data:`SERVER_READY_S` seconds, killed with its process group afterwards."""
    port = free_port()
    (tmp_path / "artifacts").mkdir(parents=True, exist_ok=True)
    log = open(tmp_path / "server.log", "wb")   # noqa: SIM115 - closed below
    cmd = [sys.executable, "-m", "mlflow", "server",
           "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}",
           "--default-artifact-root", (tmp_path / "artifacts").resolve().as_uri(),
           "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_READY_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError("mlflow server exited: " + _tail(tmp_path / "server.log"))
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server not ready in {SERVER_READY_S} s: "
                                   + _tail(tmp_path / "server.log"))
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _tail(path: Path) -> str:
    try:
        return " ".join(path.read_text(errors="replace").split()[-60:])
    except OSError:
        return ""


def expected_metrics(run_dir: Path) -> dict[tuple, float]:
    """``(metric, stat, group_field, segment) -> value`` straight from metrics.json."""
    summary = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    out = {}
    for row in metric_rows(summary):
        for stat, i in STATS.items():
            if row[i] is not None:
                out[(row[0], stat, row[6], row[7])] = row[i]
    return out


@contextlib.contextmanager
def reading():
    """The test's own MLflow reads may open a file store (MLflow 3.13+ asks for this)."""
    old = os.environ.get("MLFLOW_ALLOW_FILE_STORE")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MLFLOW_ALLOW_FILE_STORE", None)
        else:
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = old


def client(uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    with reading():
        c = MlflowClient(tracking_uri=uri)
        c.search_experiments(max_results=1)   # opens the store now, while allowed
    return c


def download(uri: str, run_id: str, dst: Path) -> Path:
    import mlflow.artifacts

    dst.mkdir(parents=True, exist_ok=True)
    with reading():
        return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="",
                                                        dst_path=str(dst), tracking_uri=uri))


def check_logged(uri: str, run_id: str, run_dir: Path, tmp_path: Path, *,
                 run_name: str, experiment: str = "assay", html: bool = True) -> Any:
    """Every metric equals metrics.json, params and tags are there, artifacts open."""
    c = client(uri)
    with reading():
        run = c.get_run(run_id)
        assert c.get_experiment(run.info.experiment_id).name == experiment
    assert run.info.status == "FINISHED"
    files = download(uri, run_id, tmp_path / f"dl-{run_id}")
    table = json.loads((files / "assay" / "metric_names.json").read_text(encoding="utf-8"))
    expected = expected_metrics(run_dir)
    logged = run.data.metrics
    assert set(logged) == {e["name"] for e in table}
    assert {(e["metric"], e["stat"], e["group_field"], e["segment"]) for e in table} == \
        set(expected)
    for e in table:
        key = (e["metric"], e["stat"], e["group_field"], e["segment"])
        assert logged[e["name"]] == pytest.approx(expected[key], rel=1e-12, abs=1e-15), e
    manifest = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    p, tags = run.data.params, run.data.tags
    assert p["task"] == manifest["task"] and p["model"] == manifest["model"]
    assert p["seed"] == "0" and p["dataset"] == manifest["dataset"]
    assert p["dataset_fingerprint"] == manifest["fingerprint_doc"]["dataset"]
    assert p["run.name"] == manifest["recipe"]["run"]["name"]
    assert p["evaluation.task"] == manifest["task"]
    assert tags["assay.task"] == manifest["task"]
    assert tags["assay.run_dir"] == str(run_dir.resolve())
    assert tags["assay.version"]
    assert tags["mlflow.runName"] == run_name == run.info.run_name
    assert json.loads((files / "metrics.json").read_text()) == \
        json.loads((run_dir / "metrics.json").read_text())
    nova = sorted((files / "eval_results").glob("results_*.json"))
    assert [n.name for n in nova] == \
        [n.name for n in sorted((run_dir / "eval_results").glob("results_*.json"))]
    assert json.loads(nova[0].read_text())["results"]
    if html:
        head = (files / "report.html").read_text(encoding="utf-8")[:200].lstrip().lower()
        assert head.startswith("<!doctype") or head.startswith("<html")
    for png in files.rglob("*.png"):
        assert png.read_bytes()[:4] == b"\x89PNG"
    return run, files
