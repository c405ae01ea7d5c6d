"""Secrets never reach a written file: URL credentials, query values and secret-named keys
are redacted (assay.backends.redact), and backends' identity() carries none."""

from __future__ import annotations

import json

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.backends.redact import REDACTED, is_secret_key, redact_config, redact_url

SECRET = "s3cr3t-VALUE-42"


@pytest.mark.parametrize("url,want", [
    (f"http://user:{SECRET}@host:8080/v1", "http://<redacted>@host:8080/v1"),
    (f"https://{SECRET}@api.example.com/v1", "https://<redacted>@api.example.com/v1"),
    (f"https://x.openai.azure.com/v1?api-key={SECRET}&api-version=2024",
     "https://x.openai.azure.com/v1?api-key=<redacted>&api-version=<redacted>"),
    (f"https://h/v1?{SECRET}", "https://h/v1?<redacted>"),
    (f"https://h/v1#access_token={SECRET}", "https://h/v1#<redacted>"),
    (f"http://u:{SECRET}@[::1]:9/v1?k={SECRET}", "http://<redacted>@[::1]:9/v1?k=<redacted>"),
])
def test_redact_url(url, want):
    assert redact_url(url) == want
    assert SECRET not in redact_url(url)


@pytest.mark.parametrize("text", ["https://api.openai.com/v1", "http://127.0.0.1:8000/v1",
                                  "not a url", "", "relative/path?x=1", "C:\\data\\x.jsonl"])
def test_redact_url_leaves_plain_values_alone(text):
    assert redact_url(text) == text
    assert redact_config(text) == text


def test_redact_config_walks_and_redacts():
    recipe = {
        "assay": {"model": "openai/gpt", "model_args": {
            "base_url": f"http://me:{SECRET}@10.0.0.5:8000/v1?key={SECRET}",
            "api_key_env": "MY_KEY", "timeout": 30,
            "extra_body": {"Authorization": f"Bearer {SECRET}", "min_p": 0,
                           "headers": {"X-API-Key": SECRET, "stop_token": "</s>"}}}},
        "judge": {"model_args": {"api_key": SECRET, "token": SECRET, "password": SECRET,
                                 "client_secret": SECRET, "hf_token": SECRET, "max_tokens": 5}},
        "processor": {"url": f"https://lambda.example/fn?sig={SECRET}", "note":
                      f"see https://u:{SECRET}@h/x for details"},
        "list": [f"https://h/?t={SECRET}", ("plain", 1.5), None, True],
        "unset": {"api_key": None, "token": ""},
    }
    before = json.dumps(recipe)
    out = redact_config(recipe)
    assert json.dumps(recipe) == before            # the input is not modified
    text = json.dumps(out)
    assert SECRET not in text
    ma = out["assay"]["model_args"]
    assert ma["base_url"] == "http://<redacted>@10.0.0.5:8000/v1?key=<redacted>"
    assert ma["api_key_env"] == "MY_KEY" and ma["timeout"] == 30
    assert ma["extra_body"]["Authorization"] == REDACTED and ma["extra_body"]["min_p"] == 0
    assert ma["extra_body"]["headers"] == {"X-API-Key": REDACTED, "stop_token": "</s>"}
    assert out["judge"]["model_args"]["max_tokens"] == 5
    assert out["processor"]["note"] == "see https://<redacted>@h/x for details"
    assert out["list"][1] == ("plain", 1.5) and out["list"][2:] == [None, True]
    assert out["unset"] == {"api_key": None, "token": ""}


@pytest.mark.parametrize("key,secret", [
    ("api_key", True), ("API-KEY", True), ("x-api-key", True), ("openai_api_key", True),
    ("Authorization", True), ("password", True), ("token", True), ("hf_token", True),
    ("api_key_env", False), ("max_tokens", False), ("stop_token", False), ("model", False),
    ("base_url", False), (3, False),
])
def test_is_secret_key(key, secret):
    assert is_secret_key(key) is secret


def test_openai_identity_and_repr_have_no_secret(monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_KEY", SECRET)
    b = create_backend(ModelSpec.parse("openai/m", {
        "base_url": f"http://user:{SECRET}@127.0.0.1:9/v1?api-key={SECRET}",
        "api_key_env": "ASSAY_TEST_KEY",
        "extra_body": json.dumps({"api_key": SECRET, "min_p": 0})}))
    ident = b.identity()
    assert SECRET not in json.dumps(ident) and SECRET not in repr(b)
    assert ident["base_url"] == "http://127.0.0.1:9/v1"
    assert ident["extra_body"] == {"api_key": REDACTED, "min_p": 0}
    # two credentials, one identity: the fingerprint and cache key do not depend on them
    monkeypatch.setenv("ASSAY_TEST_KEY", "other")
    b2 = create_backend(ModelSpec.parse("openai/m", {
        "base_url": "http://other:pw@127.0.0.1:9/v1?api-key=zzz", "api_key_env": "ASSAY_TEST_KEY",
        "extra_body": json.dumps({"api_key": "zzz", "min_p": 0})}))
    assert b2.identity() == ident
    assert b.extra_body["api_key"] == SECRET       # still sent, only never written


# -- nothing written by a run carries the credentials ----------------------------------------
def _all_text(run_dir) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in sorted(run_dir.rglob("*")) if p.is_file()
                     and p.suffix in (".json", ".jsonl", ".html", ".yaml", ".txt", ".md"))


def test_run_files_have_no_url_credentials(scripted_server, tmp_path, monkeypatch):
    """``run.json`` stores the recipe (``assay.model_args.base_url``, ``judge.model_args``):
    user:password@ and query values are redacted there and everywhere else."""
    import assay
    from tests.conftest import write_jsonl, write_recipe

    from .conftest import Reply, chat_payload

    monkeypatch.setenv("ASSAY_TEST_KEY", SECRET)
    srv = scripted_server.script(Reply(200, chat_payload("a")))
    url = srv.base_url.replace("http://", f"http://user:{SECRET}@") + f"?api-key={SECRET}"
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "a"}])
    res = assay.evaluate(write_recipe(tmp_path / "r.yaml"),
                         assay.RunOptions(progress="none", print_summary=False, overwrite=True),
                         assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                         assay__model="openai/m", assay__cache=False,
                         assay__model_args={"base_url": url, "api_key_env": "ASSAY_TEST_KEY",
                                            "extra_body": {"token": SECRET}})
    assert res.n_errors == 0
    manifest = json.loads((res.run_dir / "run.json").read_text())
    args = manifest["recipe"]["assay"]["model_args"]
    assert args["base_url"].startswith("http://<redacted>@127.0.0.1:")
    assert args["base_url"].endswith("/v1?api-key=<redacted>")
    assert args["extra_body"] == {"token": REDACTED}
    assert SECRET not in _all_text(res.run_dir)


def test_judge_run_files_have_no_url_credentials(scripted_server, tmp_path):
    import assay
    from tests.conftest import write_jsonl

    from .conftest import Reply, chat_payload

    srv = scripted_server.script(Reply(200, chat_payload("[[A>B]]")))
    url = srv.base_url.replace("http://", f"http://user:{SECRET}@")
    data = write_jsonl(tmp_path / "j.jsonl", [{"prompt": "p", "response_A": "a",
                                               "response_B": "b", "label": "A>B"}])
    recipe = tmp_path / "r.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\n")
    res = assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                  overwrite=True),
                         assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                         assay__cache=False, judge__model="openai/j",
                         judge__model_args={"base_url": url, "api_key_env": "ASSAY_UNSET_KEY"})
    assert (res.run_dir / "metrics.json").exists()
    assert SECRET not in _all_text(res.run_dir)
