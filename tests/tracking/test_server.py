"""A gen_qa run logged to a real ``mlflow server`` (SQLite store) on 127.0.0.1, started by
the test and stopped afterwards; the same checks as the file store."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from ..conftest import ASSAY, env_for_subprocess
from .helpers import check_logged, gen_qa_recipe, mlflow_server

pytest.importorskip("mlflow")


def test_run_logged_through_a_server(tmp_path):
    with mlflow_server(tmp_path / "server") as url:
        recipe = tmp_path / "r.yaml"
        recipe.write_text(yaml.safe_dump(gen_qa_recipe(tmp_path, None,
                                                       mlflow_run_name="via-server")))
        env = env_for_subprocess()
        env.pop("MLFLOW_TRACKING_URI", None)
        p = subprocess.run([*ASSAY, "run", str(recipe), "--quiet", "--mlflow", url],
                           capture_output=True, text=True, timeout=300, env=env)
        assert p.returncode == 0, p.stderr[-3000:]
        run_dir = tmp_path / "runs" / "tracked"
        doc = json.loads((run_dir / "run.json").read_text())["mlflow"]
        assert doc["status"] == "logged" and doc["tracking_uri"] == url, doc
        check_logged(url, doc["run_id"], run_dir, tmp_path, run_name="via-server")
