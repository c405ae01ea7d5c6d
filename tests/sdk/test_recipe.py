"""get_resolved_recipe: overrides > recipe > defaults, protected keys, the recipe each
evaluator runs; dry_run; the AWS-field warning; MLflow fields to the recipe's run keys."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from assay.sdk import (BenchMarkEvaluator, CustomScorerEvaluator, LLMAsJudgeEvaluator,
                       get_benchmarks, get_builtin_metrics)

B = get_benchmarks()


def test_benchmark_defaults(out, benchdata):
    r = BenchMarkEvaluator(benchmark=B.MMLU, subtasks=["anatomy", "virology"],
                           model="mock/echo", s3_output_path=str(out)).get_resolved_recipe()
    assert r["evaluation"] == {"task": "mmlu", "strategy": "zs_cot", "metric": "accuracy",
                               "subtask": "anatomy,virology"}
    assert r["assay"]["model"] == "mock/echo"
    assert r["assay"]["output_dir"] == str(out.resolve())
    assert r["assay"]["data"] == str(benchdata)
    assert r["inference"]["temperature"] == 0 and "benchmark" not in r["assay"]


def test_benchmark_all_subtasks_and_evaluate_subtask(out, benchdata):
    ev = BenchMarkEvaluator(benchmark=B.MATH, model="mock/echo", s3_output_path=str(out))
    r = ev.get_resolved_recipe()
    assert "subtask" not in r["evaluation"]
    assert r["evaluation"]["metric"] == "exact_match"
    assert ev.get_resolved_recipe(subtask="algebra")["evaluation"]["subtask"] == "algebra"


def test_benchmark_base_model_goes_to_the_benchmark_section(out, benchdata):
    r = BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", base_model_name="mock/oracle",
                           evaluate_base_model=True, base_model_args={"latency": 0},
                           s3_output_path=str(out)).get_resolved_recipe()
    assert r["assay"]["benchmark"] == {"evaluate_base_model": True, "base_model": "mock/oracle",
                                       "base_model_args": {"latency": 0}}


def test_precedence_overrides_over_recipe_over_defaults(out, tmp_path, benchdata):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("inference:\n  max_new_tokens: 111\n  top_p: 0.5\n"
                      "run:\n  name: from-recipe\nassay:\n  seed: 7\n", encoding="utf-8")
    ev = BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out),
                            recipe=str(recipe),
                            overrides={"inference": {"max_new_tokens": 222},
                                       "assay.seed": 9})
    r = ev.get_resolved_recipe()
    assert r["inference"]["max_new_tokens"] == 222       # override
    assert r["inference"]["top_p"] == 0.5                # recipe
    assert r["inference"]["top_k"] == -1                 # default
    assert r["run"]["name"] == "from-recipe"
    assert r["assay"]["seed"] == 9
    assert r["assay"]["model"] == "mock/echo"


def test_protected_keys_keep_the_evaluators_values(out, tmp_path, benchdata):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("evaluation:\n  task: gen_qa\n  strategy: gen_qa\n", encoding="utf-8")
    ev = BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out),
                            recipe=str(recipe), overrides={"evaluation": {"metric": "all"}})
    with pytest.warns(UserWarning, match="protected") as w:
        r = ev.get_resolved_recipe()
    text = str(w[0].message)
    assert "evaluation.task='gen_qa'" in text and "evaluation.metric='all'" in text
    assert r["evaluation"]["task"] == "mmlu"
    assert r["evaluation"]["strategy"] == "zs_cot"
    assert r["evaluation"]["metric"] == "accuracy"


def test_recipe_paths_resolve_against_the_recipe_folder(out, tmp_path, genqa):
    sub = tmp_path / "recipes"
    sub.mkdir()
    (sub / "local.jsonl").write_text(genqa.read_text())
    (sub / "r.yaml").write_text("assay:\n  data: local.jsonl\n")
    ev = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa), model="mock/echo",
                               s3_output_path=str(out), recipe=str(sub / "r.yaml"))
    assert ev.get_resolved_recipe()["assay"]["data"] == str(sub.resolve() / "local.jsonl")


def test_custom_scorer_recipe(out, genqa, tmp_path):
    M = get_builtin_metrics()
    kw = {"dataset": str(genqa), "model": "mock/oracle", "s3_output_path": str(out)}
    r = CustomScorerEvaluator(evaluator=M.PRIME_MATH, **kw).get_resolved_recipe()
    assert r["evaluation"] == {"task": "gen_qa", "strategy": "gen_qa", "metric": "all"}
    assert r["processor"] == {"lambda_type": "rft", "preset_reward_function": "prime_math"}
    assert r["assay"]["data"] == str(genqa.resolve())
    reward = tmp_path / "reward.py"
    reward.write_text("x = 1\n")
    r = CustomScorerEvaluator(evaluator=str(reward), **kw).get_resolved_recipe()
    assert r["processor"] == {"lambda_type": "rft", "path": str(reward.resolve()),
                              "postprocessing": {"enabled": True}, "aggregation": "mean"}
    r = CustomScorerEvaluator(evaluator="https://h/r", **kw).get_resolved_recipe()
    assert r["processor"]["url"] == "https://h/r"


def test_llm_judge_recipe_writes_the_custom_metrics_string_to_a_file(out, genqa):
    custom = json.dumps([{"customMetricDefinition": {
        "name": "Concise", "instructions": "Rate {{prediction}} for {{prompt}}.",
        "ratingScale": [{"definition": "yes", "value": {"floatValue": 1}},
                        {"definition": "no", "value": {"floatValue": 0}}]}}])
    ev = LLMAsJudgeEvaluator(evaluator_model="mock/constant", dataset=str(genqa),
                             model="mock/oracle", s3_output_path=str(out),
                             builtin_metrics=["Builtin.Correctness"], custom_metrics=custom,
                             evaluator_model_args={"text": "x"})
    r = ev.get_resolved_recipe()
    assert r["evaluation"] == {"task": "llm_judge_pointwise", "strategy": "judge",
                               "metric": "all"}
    assert r["judge"]["model"] == "mock/constant"
    assert r["judge"]["model_args"] == {"text": "x"}
    assert r["judge"]["metrics"] == ["Correctness"]
    [path] = r["judge"]["custom_metrics"]
    assert Path(path).read_text() == custom and Path(path).is_relative_to(out.resolve())
    assert ev.get_resolved_recipe()["judge"]["custom_metrics"] == [path]   # same content, file


def test_dry_run_validates_and_returns_none(out, genqa, benchdata):
    ev = BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out))
    assert ev.evaluate(dry_run=True) is None
    assert list(out.iterdir()) == []
    bad = BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out),
                             overrides={"inference": {"top_logprobs": 99}})
    with pytest.raises(ValueError, match="inference.top_logprobs"):
        bad.evaluate(dry_run=True)
    unknown = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa),
                                    model="mock/echo", s3_output_path=str(out),
                                    overrides={"assay": {"nope": 1}})
    with pytest.raises(ValueError, match="unknown key 'assay.nope'"):
        unknown.evaluate(dry_run=True)


def test_aws_fields_are_accepted_and_ignored_with_one_warning(out):
    with pytest.warns(UserWarning) as w:
        ev = BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out),
                                role="arn:aws:iam::1:role/r", region="us-west-2",
                                sagemaker_session=object(), kms_key_id="k", tags=[{"k": "v"}],
                                networking=object(), compute=object(),
                                model_package_group="g", training_image="img")
    assert len(w) == 1
    text = str(w[0].message)
    for field in ("region", "role", "sagemaker_session", "networking", "kms_key_id", "compute",
                  "model_package_group", "training_image", "tags"):
        assert field in text
    assert "ignored" in text
    assert "arn:aws:iam" not in json.dumps(ev.get_resolved_recipe())


def test_no_warning_without_aws_fields(out):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out),
                           mlflow_resource_arn="file:./mlruns")


def test_unknown_fields_are_named_in_the_warning(out):
    with pytest.warns(UserWarning, match="source_model_package"):
        BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out),
                           source_model_package="arn:x")


@pytest.mark.parametrize("uri,passed", [
    ("file:./mlruns", True), ("http://localhost:5000", True), ("https://mlflow.example", True),
    ("./mlruns", True), ("/tmp/mlruns", True),
    ("arn:aws:sagemaker:us-west-2:1:mlflow-tracking-server/x", False), ("s3://b/m", False),
])
def test_mlflow_fields_go_to_the_run_section(out, uri, passed):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ev = BenchMarkEvaluator(benchmark=B.MMLU, model="mock/echo", s3_output_path=str(out),
                                mlflow_resource_arn=uri, mlflow_experiment_name="exp",
                                mlflow_run_name="run-1")
    run = ev.get_resolved_recipe()["run"]
    assert run["mlflow_experiment_name"] == "exp" and run["mlflow_run_name"] == "run-1"
    if passed:
        assert run["mlflow_tracking_uri"] == uri and not w
    else:
        assert "mlflow_tracking_uri" not in run
        assert len(w) == 1 and "cannot be reached" in str(w[0].message)


def test_dry_run_inside_a_running_event_loop(out, genqa):
    """A notebook runs an event loop: the dry run's loading step must still run."""
    import asyncio

    ev = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa), model="mock/echo",
                               s3_output_path=str(out))
    bad = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa), model="mock/echo",
                                s3_output_path=str(out), overrides={"assay": {"data": str(out)}})

    async def main():
        assert ev.evaluate(dry_run=True) is None
        with pytest.raises(ValueError):
            bad.evaluate(dry_run=True)

    asyncio.run(main())
