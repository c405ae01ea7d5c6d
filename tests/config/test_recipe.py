from __future__ import annotations

from pathlib import Path

import pytest

from assay.config import load_recipe
from assay.errors import ConfigError
from tests.conftest import RECIPES


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "r.yaml"
    p.write_text(text, encoding="utf-8")
    return p


BASE = "run:\n  name: x\nevaluation:\n  task: gen_qa\n  strategy: gen_qa\n  metric: all\n"


@pytest.mark.parametrize("name", sorted(p.name for p in RECIPES.glob("*.yaml")) if RECIPES.exists()
                         else [])
def test_all_sample_recipes_load_unchanged(name):
    recipe = load_recipe(RECIPES / name)
    assert recipe.evaluation.task


def test_six_sample_recipes_present():
    if not RECIPES.exists():
        pytest.skip("shared samples missing")
    assert len(list(RECIPES.glob("*.yaml"))) == 6


def test_sample_values_parsed():
    r = load_recipe(RECIPES / "lambda_recipe_gen_qa_byom_logprobs.yaml")
    assert r.inference.top_logprobs == 10
    assert r.processor is not None and r.processor.lambda_arn is None
    assert r.processor.aggregation == "average"
    assert not r.processor.active


def test_unknown_key_names_key_line_and_suggestion(tmp_path):
    p = _write(tmp_path, BASE + "inference:\n  max_new_tokens: 5\n  temperatur: 0\n")
    with pytest.raises(ConfigError) as ei:
        load_recipe(p)
    msg = str(ei.value)
    assert "inference.temperatur" in msg and "did you mean 'temperature'" in msg
    assert f"{p}:9" in msg


def test_unknown_top_level_key(tmp_path):
    p = _write(tmp_path, BASE + "inferense:\n  max_new_tokens: 5\n")
    with pytest.raises(ConfigError, match="did you mean 'inference'"):
        load_recipe(p)


@pytest.mark.parametrize("key,value,fragment", [
    ("top_logprobs", "21", "top_logprobs"),
    ("top_logprobs", "-1", "top_logprobs"),
    ("temperature", "-0.1", "temperature"),
    ("top_p", "1.5", "top_p"),
    ("top_k", "-2", "top_k"),
    ("max_new_tokens", "0", "max_new_tokens"),
    ("reasoning_effort", "extreme", "reasoning_effort"),
])
def test_inference_limits(tmp_path, key, value, fragment):
    p = _write(tmp_path, BASE + f"inference:\n  {key}: {value}\n")
    with pytest.raises(ConfigError) as ei:
        load_recipe(p)
    assert fragment in str(ei.value)
    assert ":8:" in str(ei.value)


@pytest.mark.parametrize("value", ["min", "max", "average", "mean", "sum"])
def test_aggregation_values(tmp_path, value):
    p = _write(tmp_path, BASE + f"processor:\n  aggregation: {value}\n")
    assert load_recipe(p).processor.aggregation == value


def test_bad_aggregation(tmp_path):
    p = _write(tmp_path, BASE + "processor:\n  aggregation: median\n")
    with pytest.raises(ConfigError, match="processor.aggregation"):
        load_recipe(p)


def test_top_logprobs_bounds_accepted(tmp_path):
    for v in (0, 20):
        p = _write(tmp_path, BASE + f"inference:\n  top_logprobs: {v}\n")
        assert load_recipe(p).inference.top_logprobs == v


def test_overrides_are_validated_like_keys(tmp_path):
    p = _write(tmp_path, BASE)
    assert load_recipe(p, {"inference.top_logprobs": 7}).inference.top_logprobs == 7
    with pytest.raises(ConfigError, match="top_logprobs"):
        load_recipe(p, {"inference.top_logprobs": 50})


def test_assay_section_defaults_and_group_by_string(tmp_path):
    p = _write(tmp_path, BASE + "assay:\n  group_by: difficulty, domain\n  model: mock/echo\n")
    r = load_recipe(p)
    assert r.assay.group_by == ["difficulty", "domain"]
    assert r.assay.model == "mock/echo"


def test_missing_task(tmp_path):
    p = _write(tmp_path, "run:\n  name: x\nevaluation:\n  metric: all\n")
    with pytest.raises(ConfigError, match="missing required key 'evaluation.task'"):
        load_recipe(p)


def test_invalid_yaml_names_line(tmp_path):
    p = _write(tmp_path, BASE + "inference: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_recipe(p)


def test_missing_recipe_file(tmp_path):
    with pytest.raises(ConfigError, match="recipe file not found"):
        load_recipe(tmp_path / "nope.yaml")


def test_duplicate_key_is_rejected(tmp_path):
    p = _write(tmp_path, BASE + "inference:\n  temperature: 0\n  temperature: 1\n")
    with pytest.raises(ConfigError, match=r"r.yaml:9: field 'inference.temperature': duplicate key"):
        load_recipe(p)


def test_recursive_alias_does_not_crash(tmp_path):
    p = _write(tmp_path, "a: &x [*x]\n" + BASE)
    with pytest.raises(ConfigError, match=r"r.yaml:1: recursive YAML alias \*x"):
        load_recipe(p)
