from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"
RECIPES = SAMPLES / "nova_recipes"
ASSAY = [sys.executable, "-m", "assay.cli"]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own response cache, never the user's."""
    cache = tmp_path_factory.getbasetemp() / "assay-cache"
    monkeypatch.setenv("ASSAY_CACHE_DIR", str(cache))


@pytest.fixture(autouse=True)
def _isolated_jobs(tmp_path_factory, monkeypatch):
    """Each test gets its own background-job store, never the user's."""
    monkeypatch.setenv("ASSAY_JOBS_DIR", str(tmp_path_factory.mktemp("assay-jobs")))
    monkeypatch.delenv("ASSAY_JOB_ID", raising=False)


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.exists():
        pytest.skip("shared/samples not present beside the repository")
    return SAMPLES


def write_jsonl(path: Path, rows: list) -> Path:
    import json

    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def write_recipe(path: Path, extra: str = "") -> Path:
    path.write_text(
        "run:\n  name: t\nevaluation:\n  task: gen_qa\n  strategy: gen_qa\n  metric: all\n"
        "inference:\n  max_new_tokens: 32\n  temperature: 0\n" + extra, encoding="utf-8")
    return path


def env_for_subprocess() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env
