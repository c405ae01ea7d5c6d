"""The CLI tunes the garbage collector for a run only in its own process: ``main([...])``
called from Python leaves the caller's collector as it was."""

from __future__ import annotations

import gc
import subprocess
import sys

from assay.cli.app import main
from tests.conftest import env_for_subprocess, write_jsonl, write_recipe


def test_main_called_from_python_leaves_the_collector_alone(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "r"}])
    recipe = write_recipe(tmp_path / "r.yaml")
    before = (gc.get_threshold(), gc.get_freeze_count())
    assert main(["run", str(recipe), "--data", str(data), "-m", "mock/echo", "--output-dir",
                 str(tmp_path / "o"), "--quiet"]) == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


_CHILD = """
import argparse, gc, sys
from assay.cli.gc_tuning import tune_gc
default = gc.get_threshold()
tune_gc(argparse.Namespace(cli_process=True))
print(gc.get_threshold() != default, gc.get_freeze_count() > 0)
"""


def test_the_cli_process_tunes_it_unless_asked_not_to():
    env = env_for_subprocess()
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.split() == ["True", "True"]
    out = subprocess.run([sys.executable, "-c", _CHILD], env={**env, "ASSAY_GC_DEFAULTS": "1"},
                         capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "False"]
