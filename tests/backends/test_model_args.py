"""The -M argument readers shared by the backends: defaults, conversions and one-line errors
that name the field."""

from __future__ import annotations

import math

import pytest

from assay.backends.model_args import int_arg, number_arg
from assay.errors import ConfigError


@pytest.mark.parametrize("value, expected", [(None, 7), ("", 7), ("3", 3), (4, 4)])
def test_int_arg_reads_or_defaults(value, expected):
    assert int_arg("local", {"n_ctx": value}, "n_ctx", 7, 1) == expected
    assert int_arg("local", {}, "n_ctx", 7, 1) == 7


@pytest.mark.parametrize("value, message", [
    ("x", "local argument n_ctx must be an integer, got 'x'"),
    ("2.5", "must be an integer, got '2.5'"),
    (math.inf, "must be an integer, got inf"),
    ([1], "must be an integer, got [1]"),
    ("0", "local argument n_ctx must be >= 1"),
])
def test_int_arg_refuses_in_one_line(value, message):
    with pytest.raises(ConfigError) as err:
        int_arg("local", {"n_ctx": value}, "n_ctx", None, 1)
    assert message in str(err.value) and err.value.field == "n_ctx"
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("value, message", [
    ("abc", "openai argument timeout must be a number, got 'abc'"),
    ("inf", "must be finite"), ("1e999", "must be finite"), ("-1", "must be >= 0"),
])
def test_number_arg_refuses_in_one_line(value, message):
    with pytest.raises(ConfigError) as err:
        number_arg("openai", {"timeout": value}, "timeout", float, 30.0, minimum=0)
    assert message in str(err.value) and err.value.field == "timeout"


def test_number_arg_reads_or_defaults():
    assert number_arg("openai", {"timeout": "2.5"}, "timeout", float, 30.0) == 2.5
    assert number_arg("openai", {"timeout": ""}, "timeout", float, 30.0) == 30.0
