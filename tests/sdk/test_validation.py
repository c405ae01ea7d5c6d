"""Field validation with the SageMaker SDK's ValueError messages, verbatim where the SDK
gives them (formats.md §3), and assay's own where it runs locally."""

from __future__ import annotations

import json

import pytest

from assay.sdk import (BenchMarkEvaluator, CustomScorerEvaluator, LLMAsJudgeEvaluator,
                       get_benchmarks, get_builtin_metrics)
from assay.sdk.constants import ALLOWED_EVALUATOR_MODELS

B = get_benchmarks()


def bench(out, **kw):
    args = {"benchmark": B.MMLU, "model": "mock/echo", "s3_output_path": str(out)}
    args.update(kw)
    return BenchMarkEvaluator(**args)


def message(exc_info) -> str:
    return str(exc_info.value)


def test_invalid_benchmark(out):
    with pytest.raises(ValueError) as e:
        bench(out, benchmark="nope")
    assert ("Benchmark 'nope' not found in configuration. Available benchmarks: mmlu, "
            "mmlu_pro, bbh, gpqa, math, strong_reject, ifeval, mmmu, llm_judge") in message(e)


def test_benchmark_given_as_its_value(out):
    assert bench(out, benchmark="bbh").benchmark is B.BBH


@pytest.mark.parametrize("subtasks,expected", [
    ("nope", "Invalid subtask 'nope' for benchmark 'mmlu'. Available subtasks: "
             "abstract_algebra, anatomy"),
    ([], "Subtask list cannot be empty for benchmark 'mmlu'. Provide at least one subtask or "
         "use 'ALL'."),
    (["anatomy", 3], "All subtasks in the list must be strings. Found int: 3"),
    (["anatomy", "bad"], "Invalid subtask 'bad' for benchmark 'mmlu'. Available subtasks: "),
    (5, "Subtask must be a string, a list of strings, or 'ALL'. Got int"),
])
def test_invalid_subtasks(out, subtasks, expected):
    with pytest.raises(ValueError) as e:
        bench(out, subtasks=subtasks)
    assert expected in message(e)


def test_subtasks_only_for_benchmarks_with_subtasks(out):
    with pytest.raises(ValueError) as e:
        bench(out, benchmark=B.GPQA, subtasks="ALL")
    assert ("Subtask is not supported for benchmark 'gpqa'. Please set subtasks to None."
            in message(e))
    assert bench(out, benchmark=B.GPQA).subtasks is None


def test_subtasks_default_to_all_and_accept_all_any_case(out):
    assert bench(out).subtasks == "ALL"
    assert bench(out, subtasks="all").subtasks == "all"
    assert bench(out, subtasks=["anatomy", "virology"]).subtasks == ["anatomy", "virology"]
    # strong_reject has subtasks but no list: any name passes, as in the SDK
    assert bench(out, benchmark=B.STRONG_REJECT, subtasks="x").subtasks == "x"


def test_evaluate_subtask_is_checked_too(out):
    ev = bench(out)
    with pytest.raises(ValueError, match="Invalid subtask 'zzz' for benchmark 'mmlu'"):
        ev.evaluate(subtask="zzz", dry_run=True)


def test_invalid_evaluator(out, genqa):
    with pytest.raises(ValueError) as e:
        CustomScorerEvaluator(evaluator="prime_physics", dataset=str(genqa), model="mock/echo",
                              s3_output_path=str(out))
    assert ("Invalid evaluator: 'prime_physics'. Must be a built-in metric enum value, "
            "Evaluator object, or valid Evaluator ARN. Available built-in metrics: prime_math, "
            "prime_code") in message(e)
    with pytest.raises(ValueError, match="Invalid evaluator: '42'"):
        CustomScorerEvaluator(evaluator=42, dataset=str(genqa), model="mock/echo",
                              s3_output_path=str(out))


def test_evaluator_arn_cannot_be_reached(out, genqa):
    with pytest.raises(ValueError) as e:
        CustomScorerEvaluator(evaluator="arn:aws:sagemaker:us-west-2:1:hub-content/x",
                              dataset=str(genqa), model="mock/echo", s3_output_path=str(out))
    assert "cannot reach offline" in message(e) and "reward function's Python file" in message(e)


def test_evaluator_values(out, genqa, tmp_path):
    M = get_builtin_metrics()
    kw = {"dataset": str(genqa), "model": "mock/echo", "s3_output_path": str(out)}
    assert CustomScorerEvaluator(evaluator=M.PRIME_CODE, **kw).evaluator is M.PRIME_CODE
    assert CustomScorerEvaluator(evaluator="prime_math", **kw).evaluator is M.PRIME_MATH
    reward = tmp_path / "reward.py"
    reward.write_text("def reward(x):\n    return 1.0\n")
    assert CustomScorerEvaluator(evaluator=str(reward), **kw).evaluator == str(reward.resolve())
    assert CustomScorerEvaluator(evaluator="http://localhost:9/r", **kw).evaluator \
        == "http://localhost:9/r"


def judge(out, genqa, **kw):
    args = {"evaluator_model": "local/smollm2", "dataset": str(genqa), "model": "mock/echo",
            "s3_output_path": str(out)}
    args.update(kw)
    return LLMAsJudgeEvaluator(**args)


def test_invalid_evaluator_model_lists_the_allowed_models(out, genqa):
    with pytest.raises(ValueError) as e:
        judge(out, genqa, evaluator_model="gpt-4")
    assert (f"Invalid evaluator_model 'gpt-4'. Allowed models are: "
            f"{list(ALLOWED_EVALUATOR_MODELS)}") in message(e)
    assert "'amazon.nova-pro-v1:0'" in message(e)
    with pytest.raises(ValueError, match="Invalid evaluator_model 'arn:aws:bedrock"):
        judge(out, genqa, evaluator_model="arn:aws:bedrock:us-east-1::foundation-model/x")


def test_allowed_evaluator_models_are_the_sdks():
    assert len(ALLOWED_EVALUATOR_MODELS) == 12
    assert ALLOWED_EVALUATOR_MODELS["meta.llama3-1-70b-instruct-v1:0"] == ("us-west-2",
                                                                           "us-east-1")
    assert ALLOWED_EVALUATOR_MODELS["anthropic.claude-3-5-sonnet-20241022-v2:0"] == \
        ("ap-northeast-1",)


def test_invalid_json_in_custom_metrics(out, genqa):
    with pytest.raises(ValueError) as e:
        judge(out, genqa, custom_metrics="[{not json")
    assert "Invalid JSON in custom_metrics: Expecting property name enclosed in double " \
           "quotes: line 1 column 3 (char 2)" in message(e)


def test_bad_custom_metric_definition_and_builtin_name(out, genqa):
    bad = json.dumps([{"customMetricDefinition": {"name": "x"}}])
    with pytest.raises(ValueError, match="instructions"):
        judge(out, genqa, custom_metrics=bad)
    with pytest.raises(ValueError, match="unknown built-in judge metric 'Corectness'"):
        judge(out, genqa, builtin_metrics=["Corectness"])


def test_builtin_prefix_is_stripped_case_insensitively(out, genqa):
    ev = judge(out, genqa, builtin_metrics=["Builtin.Correctness", "builtin.helpfulness",
                                            "Coherence"])
    assert ev.builtin_metrics == ["Correctness", "helpfulness", "Coherence"]


@pytest.mark.parametrize("path,needle", [
    ("s3://bucket/out/", "is an S3 URI; assay runs locally"),
    ("", "s3_output_path is required"),
])
def test_output_path(path, needle, tmp_path):
    with pytest.raises(ValueError, match=needle):
        BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=path)


def test_required_fields(out):
    with pytest.raises(ValueError, match="model"):
        BenchMarkEvaluator(benchmark=B.MMLU, s3_output_path=str(out))
    with pytest.raises(ValueError, match="s3_output_path"):
        BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo")
    with pytest.raises(ValueError, match="benchmark"):
        BenchMarkEvaluator(model="mock/echo", s3_output_path=str(out))


@pytest.mark.parametrize("model,needle", [
    ("arn:aws:sagemaker:us-west-2:1:model-package/x/1", "is an AWS resource"),
    ("s3://bucket/checkpoint/", "is an AWS resource"),
    ("llama3-2-1b-instruct", "is not an assay model name"),
    (object(), "must be an assay model name"),
])
def test_model_must_be_an_assay_model(out, model, needle):
    with pytest.raises(ValueError, match=needle):
        bench(out, model=model)


def test_model_may_be_a_gguf_path(out, tmp_path):
    gguf = tmp_path / "tuned.gguf"
    gguf.write_bytes(b"GGUF")
    assert bench(out, model=str(gguf)).model == str(gguf)
    assert bench(out, model="local/smollm2").model == "local/smollm2"


def test_evaluate_base_model_needs_base_model_name(out, genqa):
    with pytest.raises(ValueError, match="evaluate_base_model=True needs base_model_name"):
        bench(out, evaluate_base_model=True)
    with pytest.raises(ValueError, match="evaluate_base_model=True needs base_model_name"):
        judge(out, genqa, evaluate_base_model=True)
    assert bench(out).evaluate_base_model is False   # the field default (not the docstring's)


def test_dataset_must_be_a_local_file(out, genqa):
    with pytest.raises(ValueError, match="is an AWS resource, which assay cannot read"):
        judge(out, genqa, dataset="s3://b/gen_qa.jsonl")
    with pytest.raises(ValueError, match="does not exist"):
        judge(out, genqa, dataset=str(out / "missing.jsonl"))


def test_recipe_must_be_a_local_yaml(out, tmp_path):
    with pytest.raises(ValueError, match="is an S3 URI"):
        bench(out, recipe="s3://b/r.yaml")
    with pytest.raises(ValueError, match="does not exist"):
        bench(out, recipe=str(tmp_path / "none.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ValueError, match="must hold a mapping"):
        bench(out, recipe=str(bad))


def test_llm_judge_fails_at_evaluate_not_at_construction(out):
    ev = bench(out, benchmark="llm_judge", subtasks=None)
    with pytest.raises(ValueError, match="Benchmark 'llm_judge' is not available in assay: "
                                         "use LLMAsJudgeEvaluator"):
        ev.evaluate(dry_run=True)
    assert not any(out.iterdir())


@pytest.mark.parametrize("value", ["mmlu", "mmlu_pro", "bbh", "gpqa", "math", "strong_reject",
                                   "mmmu"])
def test_every_sdk_benchmark_but_llm_judge_is_an_assay_benchmark(value):
    from assay.sdk.benchmarks import assay_benchmark, unavailable_reason

    assert unavailable_reason(value) is None
    assert assay_benchmark(B(value)) == value


def test_a_member_without_a_module_names_it(monkeypatch):
    from assay.benchmarks import registry
    from assay.sdk.benchmarks import assay_benchmark

    registry._load()
    monkeypatch.delitem(registry._REGISTRY, "gpqa")
    with pytest.raises(ValueError, match="Benchmark 'gpqa' is not available in assay: assay "
                                         "has no gpqa module. assay runs: mmlu, mmlu_pro, bbh"):
        assay_benchmark(B.GPQA)
