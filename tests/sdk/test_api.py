"""assay.sdk exports the SageMaker SDK's names, and its enums and benchmark properties
carry the SDK's members, values and keys (formats.md §3)."""

from __future__ import annotations

import pytest

import assay.sdk as sdk
from assay.sdk import get_benchmark_properties, get_benchmarks, get_builtin_metrics

SDK_NAMES = {"BaseEvaluator", "BenchMarkEvaluator", "CustomScorerEvaluator",
             "LLMAsJudgeEvaluator", "get_benchmarks", "get_benchmark_properties",
             "get_builtin_metrics", "EvaluationPipelineExecution", "PipelineExecutionStatus",
             "StepDetail"}


def test_all_holds_the_sdk_names_and_every_name_exists():
    assert SDK_NAMES <= set(sdk.__all__)
    assert "EvalType" in sdk.__all__
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None
    assert len(sdk.__all__) == len(set(sdk.__all__))


def test_benchmark_enum_members_are_the_sdks():
    Benchmark = get_benchmarks()
    assert [(m.name, m.value) for m in Benchmark] == [
        ("MMLU", "mmlu"), ("MMLU_PRO", "mmlu_pro"), ("BBH", "bbh"), ("GPQA", "gpqa"),
        ("MATH", "math"), ("STRONG_REJECT", "strong_reject"), ("IFEVAL", "ifeval"),
        ("MMMU", "mmmu"), ("LLM_JUDGE", "llm_judge")]
    assert Benchmark.MMLU == "mmlu" and isinstance(Benchmark.MMLU, str)


@pytest.mark.parametrize("name,metrics,strategy,available,n_subtasks", [
    ("MMLU", ["accuracy"], "zs_cot", True, 57),
    ("MMLU_PRO", ["accuracy"], "zs_cot", False, None),
    ("BBH", ["accuracy"], "fs_cot", True, 27),
    ("GPQA", ["accuracy"], "zs_cot", False, None),
    ("MATH", ["exact_match"], "zs_cot", True, 7),
    ("STRONG_REJECT", ["deflection"], "zs", True, None),
    ("IFEVAL", ["accuracy"], "zs", False, None),
    ("MMMU", ["accuracy"], "zs_cot", True, 30),
    ("LLM_JUDGE", ["all"], "judge", False, None),
])
def test_benchmark_properties(name, metrics, strategy, available, n_subtasks):
    props = get_benchmark_properties(getattr(get_benchmarks(), name))
    assert set(props) == {"modality", "description", "metrics", "strategy",
                          "subtask_available", "subtasks"}
    assert props["metrics"] == metrics and props["strategy"] == strategy
    assert props["subtask_available"] is available
    assert (None if props["subtasks"] is None else len(props["subtasks"])) == n_subtasks
    assert props["modality"] == ("Multi-Modal" if name == "MMMU" else "Text")
    assert props["description"]


def test_mmlu_subtasks_start_with_abstract_algebra_and_properties_are_copies():
    Benchmark = get_benchmarks()
    props = get_benchmark_properties(benchmark=Benchmark.MMLU)
    assert props["subtasks"][:3] == ["abstract_algebra", "anatomy", "astronomy"]
    props["subtasks"].clear()
    assert len(get_benchmark_properties(Benchmark.MMLU)["subtasks"]) == 57
    assert get_benchmark_properties("math")["subtasks"][0] == "algebra"


def test_unknown_benchmark_properties_message_is_the_sdks():
    with pytest.raises(ValueError) as e:
        get_benchmark_properties("nope")
    assert str(e.value) == (
        "Benchmark 'nope' not found in configuration. Available benchmarks: mmlu, mmlu_pro, "
        "bbh, gpqa, math, strong_reject, ifeval, mmmu, llm_judge")


def test_builtin_metric_enum():
    Metric = get_builtin_metrics()
    assert [(m.name, m.value) for m in Metric] == [("PRIME_MATH", "prime_math"),
                                                   ("PRIME_CODE", "prime_code")]


def test_eval_type_and_pipeline_names():
    from assay.sdk.constants import eval_type_from_name, pipeline_name

    assert [e.value for e in sdk.EvalType] == ["benchmark", "customscorer", "llmasjudge",
                                               "mtrl", "inspectai"]
    name = pipeline_name(sdk.EvalType.LLM_AS_JUDGE)
    assert name.startswith("SagemakerEvaluation-LLMAJEvaluation-") and len(name) == 36 + 36
    assert eval_type_from_name(f"arn:x:pipeline/{name}/execution/1") is sdk.EvalType.LLM_AS_JUDGE
    assert eval_type_from_name("SagemakerEvaluation-BenchmarkEvaluation-x") \
        is sdk.EvalType.BENCHMARK
    assert eval_type_from_name("other") is None
