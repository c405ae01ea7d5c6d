from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from tests.conftest import SHARED


@pytest.fixture
def out(tmp_path) -> Path:
    d = tmp_path / "eval-output"
    d.mkdir()
    return d


@pytest.fixture
def genqa(tmp_path) -> Path:
    p = tmp_path / "math.jsonl"
    rows = [{"query": f"What is {i} + {i}?", "response": str(2 * i)} for i in range(1, 5)]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return p


@pytest.fixture
def benchdata(monkeypatch) -> Path:
    d = SHARED / "benchdata"
    if not (d / "mmlu").is_dir():
        pytest.skip("shared/benchdata/mmlu not present beside the repository")
    monkeypatch.setenv("ASSAY_BENCHDATA", str(d))
    return d


@pytest.fixture(autouse=True)
def _no_configured_judges(monkeypatch):
    from assay.sdk.judges import JUDGE_ENV, clear_judges

    monkeypatch.delenv(JUDGE_ENV, raising=False)
    clear_judges()
    yield
    clear_judges()


@pytest.fixture
def quiet():
    """Construct evaluators without the AWS-field warning failing anything."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
