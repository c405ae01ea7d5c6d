"""Bad input gives one line naming the thing, exit code 2, and no traceback."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.conftest import ASSAY, env_for_subprocess, write_jsonl, write_recipe


def _run(*args, cwd=None):
    return subprocess.run([*ASSAY, *map(str, args)], env=env_for_subprocess(), cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _assert_one_line_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in proc.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


@pytest.fixture
def recipe(tmp_path):
    return write_recipe(tmp_path / "r.yaml")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_dataset(tmp_path, recipe):
    p = _run("run", recipe, "--data", tmp_path / "nope.jsonl", "-m", "mock/echo")
    _assert_one_line_error(p, "nope.jsonl", "dataset file not found")


def test_malformed_json_line(tmp_path, recipe):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "b"}, "{oops"])
    p = _run("run", recipe, "--data", data, "-m", "mock/echo")
    _assert_one_line_error(p, "d.jsonl:2", "malformed JSON")


def test_missing_field(tmp_path, recipe):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a"}])
    p = _run("run", recipe, "--data", data, "-m", "mock/echo")
    _assert_one_line_error(p, "d.jsonl:1", "field 'response'", "missing")


def test_mistyped_field(tmp_path, recipe):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": 4}])
    p = _run("run", recipe, "--data", data, "-m", "mock/echo")
    _assert_one_line_error(p, "d.jsonl:1", "field 'response'", "expected a string")


def test_empty_dataset(tmp_path, recipe):
    data = tmp_path / "d.jsonl"
    data.write_text("")
    p = _run("run", recipe, "--data", data, "-m", "mock/echo")
    _assert_one_line_error(p, "d.jsonl", "empty")


def test_unknown_provider(tmp_path, recipe):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "b"}])
    p = _run("run", recipe, "--data", data, "-m", "opnai/gpt")
    _assert_one_line_error(p, "unknown model provider 'opnai'", "did you mean 'openai'")


def test_missing_model_file(tmp_path, recipe):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "b"}])
    p = _run("run", recipe, "--data", data, "-m", f"local/{tmp_path}/missing.gguf")
    _assert_one_line_error(p, "missing.gguf")


def test_unreachable_endpoint(tmp_path, recipe):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "b"}])
    port = _free_port()
    p = _run("run", recipe, "--data", data, "-m", "openai/x", "-M",
             f"base_url=http://127.0.0.1:{port}/v1", "-M", "timeout=2")
    _assert_one_line_error(p, f"127.0.0.1:{port}")


def test_unknown_recipe_key(tmp_path):
    r = tmp_path / "r.yaml"
    r.write_text("evaluation:\n  task: gen_qa\n  strategy: gen_qa\ninference:\n  top_logprob: 3\n")
    p = _run("run", r, "--data", "x.jsonl")
    _assert_one_line_error(p, "r.yaml:5", "inference.top_logprob", "did you mean 'top_logprobs'")


def test_top_logprobs_out_of_range_from_cli(tmp_path, recipe):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "b"}])
    p = _run("run", recipe, "--data", data, "-m", "mock/echo", "--top-logprobs", "25")
    _assert_one_line_error(p, "inference.top_logprobs")


def test_task_not_available(tmp_path):
    r = tmp_path / "r.yaml"
    r.write_text("evaluation:\n  task: inference_only\n  strategy: judge\n")
    p = _run("run", r, "--data", "x.jsonl")
    _assert_one_line_error(p, "task inference_only is not available yet")


def test_bad_model_arg(tmp_path, recipe):
    p = _run("run", recipe, "--data", "x.jsonl", "-M", "noequals")
    _assert_one_line_error(p, "key=value")


def test_debug_shows_traceback(tmp_path, recipe):
    p = _run("--debug", "run", recipe, "--data", tmp_path / "nope.jsonl", "-m", "mock/echo")
    assert p.returncode != 0 and "Traceback" in p.stderr
