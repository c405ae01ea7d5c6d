"""The mock backend's -M arguments are validated: a bad one is a one-line ConfigError naming it,
never a ValueError traceback, and concurrency=0 no longer hangs the run."""

from __future__ import annotations

import json
import subprocess

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.errors import ConfigError, UserInputError
from tests.conftest import ASSAY, env_for_subprocess, write_jsonl, write_recipe


def _make(args: dict, mode: str = "echo"):
    return create_backend(ModelSpec.parse(f"mock/{mode}", args))


@pytest.mark.parametrize("key,value", [
    ("latency", "abc"), ("latency", "-1"), ("latency", -0.5), ("latency", "nan"),
    ("latency", "inf"), ("latency", "1e9"), ("latency", [1]), ("latency", True),
    ("concurrency", "0"), ("concurrency", 0), ("concurrency", -3), ("concurrency", "abc"),
    ("concurrency", 1.5), ("concurrency", "1e12"),
    ("fail_every", "-1"), ("fail_every", "x"), ("fail_every", 0.5),
    ("fail_kind", "explode"),
])
def test_bad_mock_arguments(key, value):
    with pytest.raises(ConfigError) as ei:
        _make({key: value})
    msg = str(ei.value)
    assert f"-M {key}" in msg and "\n" not in msg and len(msg) < 300


def test_good_mock_arguments_still_work():
    b = _make({"latency": "0.01", "concurrency": "2", "fail_every": "3", "fail_kind": "server",
               "text": 5}, mode="constant")
    assert (b.latency, b.max_concurrency, b.fail_every, b.fail_kind) == (0.01, 2, 3, "server")
    assert b.text == "5"


@pytest.mark.parametrize("args,fragment", [
    ({"ll_scores": '{"a": "x"}'}, "ll_scores"),
    ({"ll_scores": "{" * 100_000}, "ll_scores"),
    ({"request_log": "/nonexistent-dir/x.log"}, "request_log"),
    ({"bogus": 1}, "unknown mock argument"),
])
def test_other_bad_mock_arguments(args, fragment, tmp_path):
    with pytest.raises(UserInputError) as ei:
        _make(args)
    assert fragment in str(ei.value)


def test_request_log_that_is_a_folder(tmp_path):
    with pytest.raises(ConfigError, match="request_log"):
        _make({"request_log": str(tmp_path)})


def test_bad_script_file_rows(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"id": "a", "text": "x"}\n{"id": %s, "text": "y"}\n' % ("1" * 5000))
    with pytest.raises(ConfigError) as ei:
        _make({"file": str(p)}, mode="script")
    assert ei.value.line == 2
    p.write_bytes(b"\xff\xfe\n")
    with pytest.raises(ConfigError, match="cannot read"):
        _make({"file": str(p)}, mode="script")


def test_responses_json_or_text():
    assert _make({"responses": '["a", "b"]'}, mode="script").responses == ["a", "b"]
    assert _make({"responses": "[[A>B]]"}, mode="script").responses == ["[[A>B]]"]
    assert _make({"responses": [1, {"x": 2}]}, mode="script").responses == ["1", '{"x": 2}']


@pytest.mark.parametrize("arg,fragment", [("concurrency=0", "-M concurrency"),
                                          ("latency=abc", "-M latency")])
def test_cli_mock_arguments_exit_2_quickly(tmp_path, arg, fragment):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "b"}])
    recipe = write_recipe(tmp_path / "r.yaml")
    p = subprocess.run([*ASSAY, "run", str(recipe), "--data", str(data), "-m", "mock/echo",
                        "-M", arg, "--output-dir", str(tmp_path / "runs")],
                       env=env_for_subprocess(), capture_output=True, text=True, timeout=60)
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0]
    assert json.dumps(lines[0])  # printable
