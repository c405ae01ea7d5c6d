"""Helpers shared by the benchmark tests: where the shared benchmark data lies, a Parquet
writer and a JSON-lines reader for layout tests, and a short run of the embedded model."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

BENCHDATA = Path(__file__).resolve().parents[3] / "shared" / "benchdata"


def write_parquet(rows: list[dict], path: Path) -> None:
    """``rows`` as a Parquet table at ``path`` (skips the test without pyarrow)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def run_embedded_benchmark(tmp_path: Path, name: str, task: str,
                           metric: str) -> tuple[dict, list[dict]]:
    """``assay run`` of a Nova-shaped recipe (``task``/zs/``metric``, 32 new tokens at
    temperature 0) on ``local/smollm2`` over the first two items of the shared data, as run
    ``name``: its metrics.json and examples.jsonl records. Skips where the data is absent."""
    from tests.conftest import ASSAY, env_for_subprocess
    if not (BENCHDATA / task).is_dir():
        pytest.skip(f"../shared/benchdata/{task} is not present")
    recipe = tmp_path / f"{name}.yaml"
    recipe.write_text(f"run:\n  name: {name}\nevaluation:\n  task: {task}\n  strategy: zs\n"
                      f"  metric: {metric}\ninference:\n  max_new_tokens: 32\n"
                      "  temperature: 0\n")
    p = subprocess.run([*ASSAY, "run", str(recipe), "--model", "local/smollm2", "--data",
                        str(BENCHDATA), "--limit", "2", "--output-dir", str(tmp_path),
                        "--progress", "none"], env=env_for_subprocess(), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    metrics = json.loads((tmp_path / name / "metrics.json").read_text())
    return metrics, read_jsonl(tmp_path / name / "examples.jsonl")
