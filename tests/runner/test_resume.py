"""A run killed with SIGKILL and resumed ends exactly like an uninterrupted one."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import ASSAY, env_for_subprocess, write_jsonl, write_recipe


def _cmd(recipe, data, out, *extra, log=None):
    logarg = ["-M", f"request_log={log}"] if log else []
    return [*ASSAY, "run", str(recipe), "--data", str(data), "--output-dir", str(out),
            "--model", "mock/echo", "-M", "latency=0.01", *logarg, "--concurrency", "4",
            "--set", "assay.unit_size=5", "--group-by", "difficulty", "--progress", "none",
            "--quiet", *extra]


def test_sigkill_then_resume_matches_uninterrupted(tmp_path):
    rows = [{"query": f"q {i} " + "word " * (i % 7), "response": f"q {i}",
             "metadata": json.dumps({"difficulty": ["easy", "medium", "hard"][i % 3]})}
            for i in range(200)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    env = env_for_subprocess()

    ref = subprocess.run(_cmd(recipe, data, tmp_path / "ref"), env=env, capture_output=True,
                         text=True, timeout=300)
    assert ref.returncode == 0, ref.stderr

    out = tmp_path / "killed"
    log = tmp_path / "requests.log"
    proc = subprocess.Popen(_cmd(recipe, data, out, log=log), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    units = out / "t" / "units"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if units.exists() and len(list(units.glob("*.jsonl"))) >= 8:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done_before = len(list(units.glob("*.jsonl")))
    recorded = set()
    for f in units.glob("*.jsonl"):
        recorded |= {json.loads(x)["index"] for x in f.read_text().splitlines()}
    assert 0 < done_before < 40, "the kill should land mid-run"
    assert not (out / "t" / "metrics.json").exists()

    log.write_text("")
    resumed = subprocess.run(_cmd(recipe, data, out, "--resume", log=log), env=env, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr

    a = (tmp_path / "ref" / "t" / "metrics.json").read_bytes()
    b = (out / "t" / "metrics.json").read_bytes()
    assert a == b
    recs = [json.loads(x) for x in (out / "t" / "examples.jsonl").read_text().splitlines()]
    assert [r["index"] for r in recs] == list(range(200))
    assert len({r["id"] for r in recs}) == 200
    requested_after = {int(x) for x in log.read_text().split()}
    assert not (requested_after & recorded), "recorded examples were requested again"
    assert requested_after | recorded == set(range(200))
