"""Where a run is logged (precedence of the URI sources, ARNs, local paths), the --mlflow
option, MLflow never imported without a URI, a missing install failing before the run, and
the MLflow names of metrics and params."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assay.cli.app import _overrides, build_parser
from assay.config.loader import recipe_from_dict
from assay.tracking import resolve_tracking
from assay.tracking.names import metric_entries, sanitize_part, unique_names
from assay.tracking.content import params_of

from ..conftest import env_for_subprocess
from .helpers import gen_qa_recipe

ARN = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/ts"


def _recipe(**run) -> object:
    return recipe_from_dict({"run": {"name": "r", **run},
                             "evaluation": {"task": "gen_qa", "strategy": "gen_qa"}})


def _resolve(recipe, env=None):
    warnings: list[str] = []
    target = resolve_tracking(recipe, environ=env or {}, warn=warnings.append)
    return target, warnings


def test_precedence_cli_then_recipe_then_environment(tmp_path):
    env = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:5001"}
    # the environment alone
    target, warned = _resolve(_recipe(), env)
    assert (target.uri, target.source) == ("http://127.0.0.1:5001", "MLFLOW_TRACKING_URI")
    assert not warned
    # the recipe beats the environment
    target, _ = _resolve(_recipe(mlflow_tracking_uri="http://127.0.0.1:5002"), env)
    assert (target.uri, target.source) == ("http://127.0.0.1:5002", "run.mlflow_tracking_uri")
    # --mlflow beats the recipe: it is written over run.mlflow_tracking_uri
    args = build_parser().parse_args(["run", "r.yaml", "--mlflow", "http://127.0.0.1:5003"])
    over = _overrides(args)
    assert over["run.mlflow_tracking_uri"] == "http://127.0.0.1:5003"
    from assay.config.loader import apply_overrides
    doc = apply_overrides({"run": {"name": "r", "mlflow_tracking_uri": "http://127.0.0.1:5002"},
                           "evaluation": {"task": "gen_qa", "strategy": "gen_qa"}}, over)
    target, _ = _resolve(recipe_from_dict(doc), env)
    assert target.uri == "http://127.0.0.1:5003"
    # nothing set: not tracked
    assert _resolve(_recipe())[0] is None
    assert _resolve(_recipe(mlflow_tracking_uri="  "))[0] is None


def test_an_arn_warns_once_and_falls_back(tmp_path):
    env = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:5001"}
    target, warned = _resolve(_recipe(mlflow_tracking_uri=ARN), env)
    assert target.uri == "http://127.0.0.1:5001" and len(warned) == 1
    assert "ARN" in warned[0] and "MLFLOW_TRACKING_URI" in warned[0]
    target, warned = _resolve(_recipe(mlflow_tracking_uri=ARN))
    assert target is None and len(warned) == 1 and "not tracked" in warned[0]


def test_sdk_resource_arn_field_is_one_of_the_sources():
    class Run:   # the SDK's run section may carry mlflow_resource_arn
        name = "r"
        mlflow_tracking_uri = ""
        mlflow_resource_arn = ARN
        mlflow_experiment_name = "exp"
        mlflow_run_name = None

    class Recipe:
        run = Run()

    target, warned = _resolve(Recipe(), {"MLFLOW_TRACKING_URI": "file:///tmp/x"})
    assert target.uri == "file:///tmp/x" and target.experiment == "exp"
    assert target.run_name == "r" and len(warned) == 1 and "mlflow_resource_arn" in warned[0]


def test_local_paths_become_file_uris(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _resolve(_recipe(mlflow_tracking_uri="mlruns"))[0].uri == \
        (tmp_path / "mlruns").resolve().as_uri()
    assert _resolve(_recipe(mlflow_tracking_uri=str(tmp_path / "a b")))[0].uri == \
        (tmp_path / "a b").as_uri()
    assert _resolve(_recipe(mlflow_tracking_uri="file:./mlruns"))[0].uri == \
        (tmp_path / "mlruns").resolve().as_uri()
    assert _resolve(_recipe(mlflow_tracking_uri="t/m.db"))[0].uri == \
        "sqlite:///" + (tmp_path / "t" / "m.db").resolve().as_posix()
    for uri in ("file:///x/y", "sqlite:///m.db", "https://h:1/p", "databricks"):
        assert _resolve(_recipe(mlflow_tracking_uri=uri))[0].uri == uri
    args = build_parser().parse_args(["run", "r.yaml", "--mlflow", "rel/store"])
    assert _overrides(args)["run.mlflow_tracking_uri"] == \
        (tmp_path / "rel" / "store").resolve().as_uri()


def test_experiment_and_run_name(tmp_path):
    t = _resolve(_recipe(mlflow_tracking_uri="file:///s", mlflow_experiment_name="e",
                         mlflow_run_name="n"))[0]
    assert (t.experiment, t.run_name) == ("e", "n")
    t = _resolve(_recipe(mlflow_tracking_uri="file:///s"))[0]
    assert (t.experiment, t.run_name) == ("assay", "r")


_NO_MLFLOW = """
import sys, assay
from assay.runner.run import RunOptions
res = assay.evaluate({recipe!r}, RunOptions(progress="none", print_summary=False))
mods = sorted(m for m in sys.modules if m == "mlflow" or m.startswith("mlflow."))
print("MLFLOW", len(mods), mods[:3])
"""


def test_without_a_uri_mlflow_is_never_imported(tmp_path):
    env = env_for_subprocess()
    env.pop("MLFLOW_TRACKING_URI", None)
    code = _NO_MLFLOW.format(recipe=gen_qa_recipe(tmp_path, None))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "MLFLOW 0 []" in p.stdout
    assert "mlflow" not in json.loads((tmp_path / "runs" / "tracked" / "run.json").read_text())


def test_missing_mlflow_fails_before_the_run(tmp_path):
    import yaml

    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump(gen_qa_recipe(tmp_path, None)))
    code = ("import sys; sys.modules['mlflow'] = None\n"   # as if it were not installed
            "from assay.cli.app import main\n"
            f"sys.exit(main(['run', {str(recipe)!r}, '--quiet', '--mlflow', "
            f"{str(tmp_path / 'store')!r}]))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=env_for_subprocess(), timeout=300)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'assay[mlflow]'" in lines[0], p.stderr
    assert not (tmp_path / "runs").exists()   # no work was started


def test_names_are_sanitised_deterministically():
    assert sanitize_part("difficulty=hard") == "difficulty-hard"
    assert sanitize_part("accuracy.f1[label]") == "accuracy.f1_label_"
    assert sanitize_part("a/b") == "a_b" and sanitize_part("") == "_"
    assert sanitize_part("..") == "__" and sanitize_part("naïve") == "naïve"
    a, b = unique_names([("x[1]",), ("x(1)",)])
    assert a != b and a.startswith("x_1__") and b.startswith("x_1__")
    assert unique_names([("x(1)",), ("x[1]",)]) == [b, a]   # order does not matter
    long = unique_names([("m" * 300,)])[0]
    assert len(long) == 250
    import re
    ok = re.compile(r"^[/\w.\- ]*$")
    summary = {"metrics": {"f1": {"value": 0.5, "stderr": 0.1, "ci_low": 0.3, "ci_high": 0.7,
                                  "n": 4}},
               "flat": {"f1": 0.5, "acc.f1[a/b]": 0.25},
               "groups": {"lvl": {"x=1/../y": {"metrics": {"f1": {"value": 1.0, "n": 1}}},
                                  "": {"metrics": {"f1": {"value": 0.0, "n": 1}}}}}}
    names = {e.name: e.value for e in metric_entries(summary)}
    assert names == {"f1": 0.5, "f1_stderr": 0.1, "f1_ci_low": 0.3, "f1_ci_high": 0.7,
                     "acc.f1_a_b_": 0.25, "segment/lvl-x-1_.._y/f1": 1.0,
                     "segment/lvl-/f1": 0.0}
    import posixpath
    for name in names:
        assert ok.match(name) and posixpath.normpath(name) == name


def test_params_are_redacted_flattened_and_cut():
    recipe = {"run": {"name": "r", "mlflow_tracking_uri": "https://u:pw@host/x?token=abc"},
              "assay": {"seed": 3, "model_args": {"api_key": "sk-secret", "n": 2,
                                                  "long": "z" * 7000},
                        "group_by": ["a"], "limit": None}}
    p = params_of(recipe, {"task": "gen_qa", "model": "mock/oracle", "dataset": "/d.jsonl",
                           "fingerprint_doc": {"dataset": "abc"}}, {"judge_model": "j"})
    assert p["assay.model_args.api_key"] == "<redacted>"
    assert "pw" not in p["run.mlflow_tracking_uri"] and "abc" not in p["run.mlflow_tracking_uri"]
    assert len(p["assay.model_args.long"]) == 6000 and p["assay.model_args.long"].endswith("...")
    assert p["assay.model_args.n"] == "2" and p["assay.group_by"] == '["a"]'
    assert "assay.limit" not in p
    assert (p["seed"], p["task"], p["model"], p["judge_model"], p["dataset_fingerprint"]) == \
        ("3", "gen_qa", "mock/oracle", "j", "abc")
    assert all("sk-secret" not in v for v in p.values())
