"""Structured output (``assay.response_schema`` / ``assay.response_choices``): the validation
helper, the recipe keys, the run-level ``schema`` errors, the openai request body and the
local backend's llama.cpp grammar (``slow``: runs the embedded model)."""

from __future__ import annotations

import asyncio
import json

import pytest

import assay
from assay.backends.base import ModelSpec, create_backend
from assay.backends.cache import cache_key
from assay.backends.structured import (check_reply, choice_format, choice_gbnf, json_gbnf,
                                       json_schema_format, reply_problem)
from assay.backends.types import GenerationSettings, InferenceRequest, Message
from assay.cli.app import main
from assay.config.loader import recipe_from_dict
from assay.errors import ConfigError, GenerationError
from tests.conftest import write_jsonl, write_recipe

from .conftest import Reply, chat_payload

pytestmark = pytest.mark.timeout(120)

SCHEMA = {"type": "object",
          "properties": {"label": {"enum": ["positive", "negative"]},
                         "reason": {"type": "string", "maxLength": 60}},
          "required": ["label", "reason"], "additionalProperties": False}
FMT = json_schema_format(SCHEMA)
CHOICES = choice_format(["yes", "no", "maybe"])


# -- the validation helper -------------------------------------------------------------------
def test_valid_json_conforms():
    assert reply_problem('{"label": "positive", "reason": "nice"}', FMT) is None
    assert reply_problem(' {"label": "negative", "reason": ""}\n', FMT) is None


def test_invalid_json_is_a_problem():
    p = reply_problem('{"label": "positive", "reason": "cut o', FMT)
    assert p is not None and "not valid JSON" in p


def test_wrong_shape_names_the_place():
    p = reply_problem('{"label": "neutral", "reason": "meh"}', FMT)
    assert p is not None and "does not match the response schema" in p and "/label" in p
    p = reply_problem('{"label": "positive", "reason": "x", "extra": 1}', FMT)
    assert p is not None and "extra" in p
    assert reply_problem('[1, 2]', FMT) is not None


def test_choices():
    assert reply_problem("yes", CHOICES) is None
    assert reply_problem("  maybe\n", CHOICES) is None
    p = reply_problem("Yes.", CHOICES)
    assert p is not None and "'yes'" in p
    assert reply_problem("anything", None) is None


def test_check_reply_raises_a_schema_generation_error_with_the_raw_text():
    with pytest.raises(GenerationError) as ei:
        check_reply("nope", FMT)
    e = ei.value
    assert e.kind == "schema" and e.raw == "nope" and not e.retryable
    check_reply('{"label": "negative", "reason": "r"}', FMT)


def test_choice_grammar_quotes_its_literals():
    g = choice_gbnf(['a "b"', "c\\d", "e\nf"])
    assert g == 'root ::= "a \\"b\\"" | "c\\\\d" | "e\\nf"\n'


def test_json_grammar_keeps_control_characters_out_of_strings():
    pytest.importorskip("llama_cpp")
    g = json_gbnf(SCHEMA)
    assert 'char ::= [^"\\\\\\x7F\\x00-\\x1F]' in g


# -- settings, cache keys --------------------------------------------------------------------
def test_settings_without_a_format_keep_their_dict_and_cache_key():
    plain = GenerationSettings()
    assert "response_format" not in plain.to_dict()
    req = lambda s: InferenceRequest(messages=(Message("user", "hi"),), settings=s)  # noqa: E731
    with_fmt = GenerationSettings(response_format=FMT)
    assert with_fmt.to_dict()["response_format"] == FMT
    assert cache_key({"m": 1}, req(plain)) != cache_key({"m": 1}, req(with_fmt))
    hash(with_fmt)   # still hashable


# -- recipe keys -----------------------------------------------------------------------------
def _recipe(assay_section):
    return recipe_from_dict({"evaluation": {"task": "gen_qa", "strategy": "gen_qa",
                                            "metric": "all"}, "assay": assay_section})


def test_recipe_accepts_a_schema_choices_or_a_file():
    assert _recipe({"response_schema": SCHEMA}).assay.response_schema == SCHEMA
    assert _recipe({"response_choices": ["a", "b"]}).assay.response_choices == ["a", "b"]
    assert _recipe({"response_schema": "schema.json"}).assay.response_schema == "schema.json"


@pytest.mark.parametrize("section, fragment", [
    ({"response_schema": {"type": "nope"}}, "assay.response_schema"),
    ({"response_schema": {"properties": []}}, "assay.response_schema"),
    ({"response_choices": []}, "assay.response_choices"),
    ({"response_choices": ["a", "a"]}, "assay.response_choices"),
    ({"response_schema": {"type": "string"}, "response_choices": ["a"]}, "not both"),
])
def test_recipe_rejects_bad_structured_output(section, fragment):
    with pytest.raises(ConfigError) as ei:
        _recipe(section)
    msg = str(ei.value)
    assert fragment in msg and "\n" not in msg


def _cli(capsys, *argv):
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    return rc, capsys.readouterr().err


def test_cli_bad_schema_is_one_line_exit_2(tmp_path, capsys):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "r"}])
    recipe = write_recipe(tmp_path / "r.yaml",
                          "assay:\n  response_schema:\n    type: 12\n")
    rc, err = _cli(capsys, "run", recipe, "--data", data, "-m", "mock/echo",
                   "--output-dir", tmp_path / "runs", "--progress", "none")
    assert rc == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "assay.response_schema" in err and "Traceback" not in err


def test_cli_both_keys_is_one_line_exit_2(tmp_path, capsys):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "r"}])
    recipe = write_recipe(tmp_path / "r.yaml", "assay:\n  response_schema: {type: string}\n"
                          "  response_choices: [a, b]\n")
    rc, err = _cli(capsys, "run", recipe, "--data", data, "-m", "mock/echo",
                   "--output-dir", tmp_path / "runs", "--progress", "none")
    assert rc == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "response_choices" in err


@pytest.mark.parametrize("content, fragment", [
    (None, "cannot read the response schema"),
    ("{oops", "is not JSON"),
    ('{"type": 5}', "not a valid JSON Schema"),
])
def test_cli_bad_schema_file_is_one_line_exit_2(tmp_path, capsys, content, fragment):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "r"}])
    if content is not None:
        (tmp_path / "schema.json").write_text(content, encoding="utf-8")
    recipe = write_recipe(tmp_path / "r.yaml", "assay:\n  response_schema: schema.json\n")
    rc, err = _cli(capsys, "run", recipe, "--data", data, "-m", "mock/echo",
                   "--output-dir", tmp_path / "runs", "--progress", "none")
    assert rc == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err and "assay.response_schema" in err


# -- a run on the scripted backend: non-conforming replies are schema errors ------------------
def _mock_run(tmp_path, responses, **kw):
    rows = [{"query": f"q{i}", "response": "r"} for i in range(6)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    opts = assay.RunOptions(progress="none", print_summary=False, overwrite=True)
    return assay.evaluate(recipe, opts, assay__data=str(data),
                          assay__output_dir=str(tmp_path / "runs"), assay__model="mock/script",
                          assay__model_args={"responses": responses}, assay__cache=False,
                          assay__max_failure_share=1.0, **kw)


def test_mock_run_records_schema_errors_with_raw_text(tmp_path):
    good = '{"label": "positive", "reason": "fine"}'
    res = _mock_run(tmp_path, [good, "Sure! The label is positive.", '{"label": "meh"}'],
                    assay__response_schema=SCHEMA)
    recs = sorted(res.records(), key=lambda r: r.index)
    assert res.n_examples == 6 and res.n_errors == 4
    for r in recs:
        if r.index % 3 == 0:
            assert r.error is None
        else:
            assert r.error.stage == "inference" and r.error.kind == "schema"
    assert recs[1].error.raw == "Sure! The label is positive."
    assert "not valid JSON" in recs[1].error.message
    assert recs[2].error.raw == '{"label": "meh"}' and "schema" in recs[2].error.message
    manifest = json.loads((res.run_dir / "run.json").read_text())
    assert manifest["fingerprint_doc"]["response_format"] == FMT


def test_mock_run_with_choices_and_a_schema_file(tmp_path):
    res = _mock_run(tmp_path, ["yes", " no ", "perhaps"],
                    assay__response_choices=["yes", "no"])
    recs = sorted(res.records(), key=lambda r: r.index)
    kinds = [r.error.kind if r.error else None for r in recs]
    assert kinds == [None, None, "schema"] * 2
    (tmp_path / "s.json").write_text(json.dumps({"type": "string"}), encoding="utf-8")
    res = _mock_run(tmp_path, ["plain text"], assay__response_schema=str(tmp_path / "s.json"))
    assert res.n_errors == 6   # "plain text" is not JSON at all


def test_mock_run_without_a_format_has_no_response_format_in_its_fingerprint(tmp_path):
    res = _mock_run(tmp_path, ["anything"])
    assert res.n_errors == 0
    manifest = json.loads((res.run_dir / "run.json").read_text())
    assert "response_format" not in manifest["fingerprint_doc"]


# -- openai-compatible: the request body, and a reply that does not conform ------------------
def _openai(srv, **args):
    base = {"base_url": srv.base_url, "retry_base_delay": 0.01, "retry_max_delay": 0.05,
            "retry_seed": 0, "timeout": 5}
    base.update(args)
    return create_backend(ModelSpec.parse("openai/test-model", base))


def _generate(b, settings):
    req = InferenceRequest(messages=(Message("user", "Hi?"),), settings=settings)

    async def go():
        try:
            return await b.generate(req)
        finally:
            await b.aclose()
    return asyncio.run(go())


def test_openai_request_carries_response_format(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload('{"label": "positive", "reason": "x"}')))
    _generate(_openai(srv), GenerationSettings(max_new_tokens=8, response_format=FMT))
    sent = srv.posts()[0]["json"]
    assert sent["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "response", "schema": SCHEMA, "strict": True}}


def test_openai_choices_are_a_grammar_for_llama_cpp_and_absent_otherwise(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("yes")), Reply(200, chat_payload("yes")))
    _generate(_openai(srv), GenerationSettings(max_new_tokens=8, response_format=CHOICES))
    _generate(_openai(srv, dialect="llama_cpp"),
              GenerationSettings(max_new_tokens=8, response_format=CHOICES))
    first, second = (p["json"] for p in srv.posts())
    assert "response_format" not in first and "grammar" not in first
    assert second["grammar"] == choice_gbnf(["yes", "no", "maybe"])


def test_openai_json_schema_is_a_grammar_for_llama_cpp(scripted_server):
    """llama.cpp servers get the local backend's GBNF (the llama-cpp-python server rejects
    response_format type json_schema); other servers get response_format."""
    pytest.importorskip("llama_cpp")
    srv = scripted_server.script(Reply(200, chat_payload("{}")))
    _generate(_openai(srv, dialect="llama_cpp"),
              GenerationSettings(max_new_tokens=8, response_format=FMT))
    sent = srv.posts()[0]["json"]
    assert "response_format" not in sent
    assert sent["grammar"] == json_gbnf(FMT["schema"])


def test_openai_plain_request_has_no_response_format(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("hello")))
    _generate(_openai(srv), GenerationSettings(max_new_tokens=8))
    sent = srv.posts()[0]["json"]
    assert "response_format" not in sent and "grammar" not in sent


def test_openai_run_non_conforming_reply_is_a_schema_error(scripted_server, tmp_path):
    replies = [Reply(200, {"object": "list", "data": [{"id": "test-model"}]}),   # preflight
               Reply(200, chat_payload('{"label": "positive", "reason": "ok"}')),
               Reply(200, chat_payload("I think it is positive"))]
    srv = scripted_server.script(*replies)
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "a", "response": "r"},
                                              {"query": "b", "response": "r"}])
    recipe = write_recipe(tmp_path / "r.yaml")
    opts = assay.RunOptions(progress="none", print_summary=False, overwrite=True)
    res = assay.evaluate(recipe, opts, assay__data=str(data),
                         assay__output_dir=str(tmp_path / "runs"),
                         assay__model="openai/test-model",
                         assay__model_args={"base_url": srv.base_url, "timeout": 5},
                         assay__concurrency=1, assay__unit_size=1, assay__cache=False,
                         assay__max_failure_share=1.0, assay__response_schema=SCHEMA)
    posts = srv.posts()
    assert len(posts) == 2 and all("response_format" in p["json"] for p in posts)
    errors = [r.error for r in res.records() if r.error is not None]
    assert len(errors) == 1
    assert errors[0].kind == "schema" and errors[0].raw == "I think it is positive"


# -- the local backend: a llama.cpp grammar (embedded model) ----------------------------------
@pytest.fixture(scope="module")
def smollm2(smollm2_path):
    b = create_backend(ModelSpec.parse("local/smollm2"))
    asyncio.run(b.preflight())
    yield b
    asyncio.run(b.aclose())


PROMPTS = ["I love this phone, the battery lasts for days.",
           "The package arrived broken and support never answered.",
           "Write a poem about the sea."]


@pytest.mark.slow
def test_local_json_schema_is_always_followed(smollm2):
    schema = {"type": "object",
              "properties": {"label": {"enum": ["positive", "negative"]},
                             "reason": {"type": "string", "maxLength": 40}},
              "required": ["label", "reason"], "additionalProperties": False}
    settings = GenerationSettings(max_new_tokens=48, response_format=json_schema_format(schema),
                                  top_logprobs=2)
    for text in PROMPTS:
        req = InferenceRequest(messages=(Message("system", "Classify the sentiment as JSON."),
                                         Message("user", text)), settings=settings)
        c = asyncio.run(smollm2.generate(req))
        assert reply_problem(c.text, settings.response_format) is None, c.text
        assert c.logprobs   # log-probabilities still come back under a grammar


@pytest.mark.slow
def test_local_choices_return_one_of_them(smollm2):
    settings = GenerationSettings(max_new_tokens=8,
                                  response_format=choice_format(["positive", "negative",
                                                                 "neutral"]))
    before = dict(smollm2._grammars)
    for text in PROMPTS:
        req = InferenceRequest(messages=(Message("user", "Sentiment of: " + text),),
                               settings=settings)
        c = asyncio.run(smollm2.generate(req))
        assert c.text in ("positive", "negative", "neutral"), c.text
    key = json.dumps(settings.response_format, sort_keys=True)
    assert key not in before and key in smollm2._grammars   # compiled once, then reused
    grammar = smollm2._grammars[key]
    asyncio.run(smollm2.generate(InferenceRequest(messages=(Message("user", "ok?"),),
                                                  settings=settings)))
    assert smollm2._grammars[key] is grammar


def test_set_option_takes_an_inline_json_schema(tmp_path, capsys):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "r"}])
    recipe = write_recipe(tmp_path / "r.yaml")
    rc, err = _cli(capsys, "run", recipe, "--data", data, "-m", "mock/echo", "--output-dir",
                   tmp_path / "runs", "--progress", "none", "--set",
                   'assay.response_schema={"type": "string", "maxLength": 3}')
    assert rc != 2, err   # "q" is no JSON: a schema error on the example, not a config error
    rec = json.loads((tmp_path / "runs" / "t" / "examples.jsonl").read_text().splitlines()[0])
    assert rec["error"]["kind"] == "schema" and rec["error"]["raw"] == "q"
    rc, err = _cli(capsys, "run", recipe, "--data", data, "-m", "mock/echo", "--output-dir",
                   tmp_path / "runs2", "--progress", "none", "--set",
                   'assay.response_schema={"type": ')
    assert rc == 2 and err.count("\n") == 1 and "must be JSON" in err
