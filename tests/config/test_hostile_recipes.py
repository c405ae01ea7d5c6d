"""Hostile recipes and command-line values: bounded loading, run.name rules, string-valued
options, and errors that blame the command line for what came from it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assay.config import load_recipe, parse_assignment
from assay.config import yaml_lines
from assay.config.loader import apply_overrides, coerce_value, recipe_from_dict
from assay.config.yaml_lines import load_yaml_with_lines
from assay.errors import ConfigError

BASE = "run:\n  name: x\nevaluation:\n  task: gen_qa\n  strategy: gen_qa\n  metric: all\n"


def _write(tmp_path: Path, text: str | bytes, name: str = "r.yaml") -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def _err(path: Path, overrides: dict | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as ei:
        load_recipe(path, overrides)
    return ei.value


def _bomb(levels: int = 10) -> str:
    out = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        out.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "".join("      " + x + "\n" for x in out)


# -- 7. alias bombs ----------------------------------------------------------------------------
def test_alias_bomb_under_a_free_form_key_is_refused_quickly(tmp_path):
    p = _write(tmp_path, BASE + "assay:\n  model_args:\n    extra_body:\n" + _bomb())
    t = time.monotonic()
    err = _err(p)
    assert time.monotonic() - t < 5
    assert err.file == p and err.line is not None and err.line > 8
    assert "alias" in str(err) and "10,000" in str(err)


def test_modest_aliases_still_work(tmp_path):
    p = _write(tmp_path, BASE + "inference: &inf\n  max_new_tokens: 5\n"
               "assay:\n  model_args:\n    a: &v [1, 2, 3]\n    b: *v\n    c: *v\n")
    r = load_recipe(p)
    assert r.assay.model_args["b"] == [1, 2, 3] and r.inference.max_new_tokens == 5


def test_merge_keys_still_work(tmp_path):
    p = _write(tmp_path, BASE + "assay:\n  model_args:\n    base: &b {x: 1, y: 2}\n"
               "    other:\n      <<: *b\n      y: 3\n")
    assert load_recipe(p).assay.model_args["other"] == {"x": 1, "y": 3}


def test_recursive_alias_in_a_free_form_key(tmp_path):
    p = _write(tmp_path, BASE + "assay:\n  model_args: &x\n    self: *x\n")
    err = _err(p)
    assert err.line == 9 and "recursive YAML alias" in str(err)


def test_alias_budget_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setattr(yaml_lines, "MAX_ALIAS_NODES", 5)
    p = _write(tmp_path, BASE + "assay:\n  model_args:\n    a: &v [1, 2, 3, 4, 5, 6]\n"
               "    b: *v\n")
    assert "alias" in str(_err(p))


# -- 8. size cap, depth cap, odd scalars -----------------------------------------------------------
def test_huge_recipe_is_refused_before_parsing(tmp_path):
    p = _write(tmp_path, BASE + "# " + "x" * (yaml_lines.MAX_RECIPE_BYTES + 10) + "\n")
    t = time.monotonic()
    err = _err(p)
    assert time.monotonic() - t < 2
    assert err.file == p and "larger than 1024 KiB" in str(err)


@pytest.mark.parametrize("value", ["[" * 100_000 + "]" * 100_000,
                                   "{a: " * 2000 + "1" + "}" * 2000])
def test_deep_nesting_is_refused(tmp_path, value):
    p = _write(tmp_path, BASE + "assay:\n  model_args:\n    x: " + value + "\n")
    err = _err(p)
    assert err.line == 9 and "nested more than" in str(err)


def test_integer_past_the_digit_limit(tmp_path):
    p = _write(tmp_path, BASE + "assay:\n  seed: " + "9" * 5000 + "\n")
    err = _err(p)
    assert err.line == 8 and "too many digits" in str(err) and len(str(err)) < 300


def test_invalid_date_is_a_yaml_error(tmp_path):
    p = _write(tmp_path, BASE + "assay:\n  model_args:\n    when: 2001-13-45\n")
    err = _err(p)
    assert err.line == 9 and "invalid YAML" in str(err)


def test_surrogate_escape_in_the_recipe(tmp_path):
    p = _write(tmp_path, BASE + 'assay:\n  model_args:\n    x: ["ok", "\\ud800"]\n')
    err = _err(p)
    assert (err.line, err.field) == (9, "assay.model_args.x.1") and "surrogate" in str(err)


def test_not_utf8_names_the_line(tmp_path):
    p = _write(tmp_path, BASE.encode() + b"inference:\n  top_k: \xff\n")
    err = _err(p)
    assert err.line == 8 and "not UTF-8" in str(err)


def test_long_yaml_problem_is_cut(tmp_path):
    p = _write(tmp_path, BASE + "x: *" + "a" * 100_000 + "\n")
    err = _err(p)
    assert "invalid YAML" in str(err) and len(str(err)) < 400


# -- 5. run.name ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,fragment", [
    ("x" * 256, "256 bytes"),
    ("é" * 128, "256 bytes"),
    ("a\x00b", "control characters"),
    ("a\nb", "control characters"),
    ("a\tb", "control characters"),
    ("a\x1bb", "control characters"),
    ("a\u2028b", "control characters"),
    ("a\ud800b", "surrogates"),
    ("a/b", "folder name"),
    ("a\\b", "folder name"),
    ("..", "folder name"),
    (".", "folder name"),
    ("   ", "empty"),
])
def test_bad_run_names(tmp_path, name, fragment):
    p = _write(tmp_path, BASE)
    err = _err(p, {"run.name": name})
    assert err.field == "run.name" and fragment in str(err)
    assert str(err).startswith("command line: ")


def test_run_name_limits_accept_the_edge(tmp_path):
    p = _write(tmp_path, BASE)
    assert load_recipe(p, {"run.name": "x" * 255}).run.name == "x" * 255
    assert load_recipe(p, {"run.name": " a..b "}).run.name == "a..b"


def test_ten_megabyte_name_is_not_echoed(tmp_path):
    p = _write(tmp_path, BASE)
    err = _err(p, {"run.name": "n" * 10_000_000})
    assert len(str(err)) < 300 and "n" * 41 not in str(err)


def test_bad_run_name_in_the_file_names_its_line(tmp_path):
    p = _write(tmp_path, 'run:\n  name: "a\\x00b"\nevaluation:\n  task: gen_qa\n')
    err = _err(p)
    assert str(err).startswith(f"{p}:2: field 'run.name'") and "\\x00" in str(err)


def test_generic_validation_messages_are_cut_and_escaped(tmp_path):
    p = _write(tmp_path, BASE)
    err = _err(p, {"inference.reasoning_effort": "\x07" + "z" * 5000})
    assert len(str(err)) < 400 and "\\x07" in str(err) and "\x07" not in str(err)
    err = _err(p, {"inference." + "k" * 5000: 1})
    assert len(str(err)) < 600 and "k" * 41 not in str(err)


# -- 9. KEY=VALUE texts are not YAML --------------------------------------------------------------
@pytest.mark.parametrize("text,dotted,expected", [
    ("text=[[A>B]]", "judge.model_args.", "[[A>B]]"),
    ("text={a: 1}", "assay.model_args.", "{a: 1}"),
    ("text=null", "assay.model_args.", "null"),
    ("text=~", "assay.model_args.", "~"),
    ("seed=007", "assay.model_args.", "007"),
    ("x=yes", "assay.model_args.", "yes"),
    ("n_ctx=4096", "assay.model_args.", 4096),
    ("timeout=2.5", "assay.model_args.", 2.5),
    ("flag=true", "assay.model_args.", True),
    ("flag=False", "assay.model_args.", False),
    ('extra_body={"top_k": 5}', "assay.model_args.", {"top_k": 5}),
    ('stop=["\\n"]', "assay.model_args.", ["\n"]),
    ("extra_body={bad json", "assay.model_args.", "{bad json"),
    ("run.name=007", "", "007"),
    ("run.name=1e3", "", "1e3"),
    ("run.name=true", "", "true"),
    ("inference.top_k=50", "", 50),
    ("inference.temperature=0.5", "", 0.5),
    ("assay.cache=false", "", False),
    ("assay.cache=/tmp/c.sqlite", "", "/tmp/c.sqlite"),
    ("assay.group_by=a,b", "", "a,b"),
    ('assay.scorers=[{"name": "f1"}]', "", [{"name": "f1"}]),
    ("evaluation.subtask=[x]", "", "[x]"),
])
def test_assignment_values_follow_the_key_type(text, dotted, expected):
    k, v = parse_assignment(text, option="-J" if dotted.startswith("judge") else "--set")
    got = coerce_value(dotted + k, v)
    assert got == expected and type(got) is type(expected)


def test_judge_text_stays_a_string_end_to_end(tmp_path):
    p = _write(tmp_path, BASE)
    k, v = parse_assignment("text=[[A>B]]", option="-J")
    r = load_recipe(p, {f"judge.model_args.{k}": v, "judge.model": "mock/constant"})
    assert r.judge.model_args["text"] == "[[A>B]]"


def test_numbers_stay_numbers_for_consumers_without_a_schema():
    _, w = parse_assignment("clarity=0.5", option="--weight")
    assert isinstance(w, float) and w == 0.5
    _, n = parse_assignment("n=3")
    assert isinstance(n, int) and n == 3


def test_bad_assignment_is_not_echoed_whole():
    with pytest.raises(ConfigError) as ei:
        parse_assignment("x" * 100_000, option="-M")
    assert len(str(ei.value)) < 300


# -- 10. values from the command line are blamed on the command line ------------------------------
def test_set_value_blames_the_option_not_the_recipe_line(tmp_path):
    p = _write(tmp_path, BASE + "inference:\n  temperature: 0\n")
    k, v = parse_assignment("inference.temperature=hot", option="--set")
    err = _err(p, {k: v})
    msg = str(err)
    assert msg.startswith("--set inference.temperature: invalid value 'hot'"), msg
    assert str(p) not in msg and err.field == "inference.temperature"


def test_set_unknown_key_blames_the_option(tmp_path):
    p = _write(tmp_path, BASE)
    k, v = parse_assignment("inference.temperatur=0", option="--set")
    msg = str(_err(p, {k: v}))
    assert msg.startswith("--set inference.temperatur: unknown key") and "did you mean" in msg


def test_typed_option_blames_the_command_line(tmp_path):
    p = _write(tmp_path, BASE + "inference:\n  top_logprobs: 2\n")
    err = _err(p, {"inference.top_logprobs": 25})
    assert str(err).startswith("command line: field 'inference.top_logprobs'")
    assert err.line is None


def test_recipe_errors_still_name_file_and_line_with_overrides(tmp_path):
    p = _write(tmp_path, BASE + "inference:\n  top_p: 3\n")
    err = _err(p, {"inference.temperature": 0.5})
    assert str(err).startswith(f"{p}:8: field 'inference.top_p'")


def test_no_processor_path_keeps_the_origins(tmp_path):
    """The CLI's --no-processor path calls apply_overrides + recipe_from_dict itself."""
    p = _write(tmp_path, BASE + "processor:\n  aggregation: sum\n")
    data, lines = load_yaml_with_lines(p)
    data.pop("processor", None)
    k, v = parse_assignment("inference.top_p=2", option="--set")
    with pytest.raises(ConfigError) as ei:
        recipe_from_dict(apply_overrides(data, {k: v}), file=p, lines=lines)
    assert str(ei.value).startswith("--set inference.top_p: invalid value 2")


@pytest.mark.parametrize("key,value", [("inference.temperature", ".nan"),
                                       ("inference.top_p", ".inf"),
                                       ("assay.max_failure_share", ".nan")])
def test_non_finite_floats_are_refused(tmp_path, key, value):
    section, name = key.split(".")
    p = _write(tmp_path, BASE + f"{section}:\n  {name}: {value}\n")
    assert "finite" in str(_err(p))
