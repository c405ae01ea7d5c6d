"""The registry's public API: names, the SDK-shaped enum and properties, aliases."""

from __future__ import annotations

from enum import Enum

import pytest

from assay.benchmarks import (UnknownBenchmark, benchmark_names, get_benchmark_properties,
                              get_benchmarks, resolve_benchmark)

EXPECTED = {"mmlu": 57, "bbh": 27, "gsm8k": 0, "math": 7, "math_500": 0, "hellaswag": 0,
            "winogrande": 0, "arc": 2, "truthfulqa": 2, "piqa": 0, "boolq": 0, "race": 2}
KEYS = {"modality", "description", "metrics", "strategy", "subtask_available", "subtasks",
        "citation", "task_type", "num_samples", "dataset_info"}


def test_every_issue_benchmark_is_registered_with_its_subtasks():
    names = benchmark_names()
    for name, n_sub in EXPECTED.items():
        assert name in names
        props = get_benchmark_properties(name)
        assert KEYS <= set(props)
        assert len(props["subtasks"] or []) == n_sub
        assert props["subtask_available"] == bool(n_sub)
        assert props["description"] and props["citation"] and props["metrics"]
        assert props["task_type"] in ("multiple_choice", "generation")
        assert sum(props["num_samples"].values()) > 0
        if n_sub:
            assert set(props["num_samples"]) == set(props["subtasks"])


def test_published_sizes():
    sizes = {n: sum(get_benchmark_properties(n)["num_samples"].values()) for n in EXPECTED}
    assert sizes["mmlu"] == 14042 and sizes["gsm8k"] == 1319 and sizes["math"] == 5000
    assert sizes["math_500"] == 500 and sizes["hellaswag"] == 10042
    assert sizes["winogrande"] == 1267 and sizes["arc"] == 2376 + 1172
    assert sizes["piqa"] == 1838 and sizes["boolq"] == 3270 and sizes["bbh"] == 6511


def test_sdk_shaped_enum_and_errors():
    enum = get_benchmarks()
    assert issubclass(enum, Enum) and enum.MMLU == "mmlu" and enum.MMLU.value == "mmlu"
    assert get_benchmark_properties(enum.BBH)["strategy"] == "fs_cot"
    with pytest.raises(ValueError, match="Benchmark 'mmlux' not found in configuration"):
        get_benchmark_properties("mmlux")
    with pytest.raises(UnknownBenchmark):
        resolve_benchmark("nope")


@pytest.mark.parametrize("alias,name,sub", [("arc_easy", "arc", "easy"),
                                            ("ARC_Challenge", "arc", "challenge"),
                                            ("truthfulqa_mc2", "truthfulqa", "mc2"),
                                            ("math500", "math_500", None)])
def test_aliases(alias, name, sub):
    bench, implied = resolve_benchmark(alias)
    assert bench.name == name and implied == sub


def test_public_api_exports_the_sdk_functions():
    import assay

    assert assay.get_benchmarks().GSM8K == "gsm8k"
    assert assay.get_benchmark_properties("arc_easy")["subtasks"] == ["easy", "challenge"]
