"""Executions end to end with the mock models: evaluate → wait → Succeeded → show_results;
stop; get / get_all; show_results before success raises the SDK's ValueError."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from assay.sdk import (BenchMarkEvaluator, CustomScorerEvaluator, EvaluationPipelineExecution,
                       LLMAsJudgeEvaluator, StepDetail, get_benchmarks)
from assay.sdk.kinds import (BenchmarkEvaluationExecution, CustomScorerEvaluationExecution,
                             LLMAJEvaluationExecution)

B = get_benchmarks()
WAIT = {"poll": 0.2, "timeout": 180}


def mmlu(out, **kw):
    args = {"benchmark": B.MMLU, "subtasks": "abstract_algebra", "model": "mock/echo",
            "s3_output_path": str(out), "overrides": {"assay": {"limit": 6}}}
    args.update(kw)
    return BenchMarkEvaluator(**args)


def test_benchmark_with_base_model(out, benchdata, capsys):
    ev = mmlu(out, base_model_name="mock/echo", evaluate_base_model=True,
              base_model_args={"ll_prefer": "A"}, base_eval_name="my-eval")
    execution = ev.evaluate()
    assert isinstance(execution, BenchmarkEvaluationExecution)
    assert execution.name.startswith("my-eval-")
    assert execution.arn.startswith(
        "arn:assay:local:pipeline/SagemakerEvaluation-BenchmarkEvaluation-")
    assert execution.eval_type.value == "benchmark"
    assert execution.s3_output_path == str(out)
    execution.wait(**WAIT)
    assert execution.status.overall_status == "Succeeded"
    steps = execution.status.step_details
    assert [s.name for s in steps] == ["EvaluateCustomModel", "EvaluateBaseModel"]
    assert all(isinstance(s, StepDetail) and s.status == "Succeeded" and s.start_time
               and s.end_time and s.job_arn.startswith("arn:assay:local:job/") for s in steps)
    folder = out.resolve() / execution.name
    assert (folder / "recipe.yaml").is_file()
    runs = execution.run_dirs()
    assert runs["custom"] == folder / "custom" and runs["base"] == folder / "custom" / "base"
    capsys.readouterr()
    execution.show_results()
    text = capsys.readouterr().out
    assert "Custom Model" in text and "Base Model" in text and "acc" in text
    assert "Custom − Base" in text and "95% CI" in text and "p-value" in text
    comparison = json.loads((runs["custom"] / "comparison.json").read_text())
    diff = comparison["metrics"]["acc"]["overall"]["difference"]
    assert f"{diff:+.4f}" in text


def test_show_results_before_success_then_stop_and_get(out, benchdata):
    # small units and few requests at a time: the stop lands while units are still queued
    ev = mmlu(out, model_args={"latency": 2.0, "concurrency": 4},
              overrides={"assay": {"limit": 40, "unit_size": 4}})
    execution = ev.evaluate()
    with pytest.raises(ValueError) as e:
        execution.show_results()
    assert str(e.value) == (
        "Cannot show results. Execution status is 'Executing'. Results are only available "
        "after successful execution. Use execution.wait() to wait for completion or check "
        "execution.status for details.")
    execution.wait(target_status="Executing", poll=0.1, timeout=30)
    execution.stop()
    assert execution.status.overall_status in ("Stopping", "Stopped")
    execution.wait(target_status="Stopped", **WAIT)
    with pytest.raises(ValueError, match="Execution status is 'Stopped'"):
        execution.show_results()
    again = EvaluationPipelineExecution.get(execution.arn)
    assert isinstance(again, BenchmarkEvaluationExecution)
    assert (again.name, again.status.overall_status) == (execution.name, "Stopped")
    assert EvaluationPipelineExecution.get(execution.name).arn == execution.arn
    with pytest.raises(ValueError, match="no evaluation execution 'nope'"):
        EvaluationPipelineExecution.get("nope")
    from assay.sdk import FailedStatusError
    with pytest.raises(FailedStatusError, match="Stopped"):
        again.wait(poll=0.1, timeout=5)


def test_wait_times_out(out, benchdata):
    from assay.sdk import TimeoutExceededError

    execution = mmlu(out, model_args={"latency": 2.0, "concurrency": 4},
                     overrides={"assay": {"limit": 40, "unit_size": 4}}).evaluate()
    try:
        with pytest.raises(TimeoutExceededError):
            execution.wait(poll=0.1, timeout=0.5)
        with pytest.raises(ValueError, match="target_status must be one of"):
            execution.wait(target_status="Done")
    finally:
        execution.stop()
        execution.wait(target_status="Stopped", **WAIT)


def test_failed_job_reads_failed_with_its_reason(out, benchdata):
    ev = mmlu(out, model="mock/nomode")   # an unknown mock mode fails when the run starts
    execution = ev.evaluate()
    from assay.sdk import FailedStatusError
    with pytest.raises(FailedStatusError) as e:
        execution.wait(**WAIT)
    assert execution.status.overall_status == "Failed"
    assert "nomode" in (execution.status.failure_reason or "")
    assert e.value.status == "Failed"


def test_custom_scorer_with_base_model(out, genqa, capsys):
    pytest.importorskip("assay.rewards")
    ev = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa),
                               model="mock/oracle", base_model_name="mock/echo",
                               evaluate_base_model=True, s3_output_path=str(out))
    execution = ev.evaluate()
    assert isinstance(execution, CustomScorerEvaluationExecution)
    assert execution.name.startswith("eval-mock-oracle-")
    execution.wait(**WAIT)
    assert [s.name for s in execution.status.step_details] == ["EvaluateCustomModel",
                                                               "EvaluateBaseModel"]
    assert set(execution.jobs()) == {"custom", "base"}
    capsys.readouterr()
    execution.show_results()
    text = capsys.readouterr().out
    assert "Custom Model" in text and "Base Model" in text and "Custom − Base" in text
    comparison = json.loads((execution.output_dir / "comparison.json").read_text())
    assert comparison["a"]["model"] == "mock/echo" and comparison["b"]["model"] == "mock/oracle"
    listed = [e.arn for e in CustomScorerEvaluator.get_all()]
    assert execution.arn in listed
    assert execution.arn not in [e.arn for e in BenchMarkEvaluator.get_all()]
    assert execution.arn in [e.arn for e in EvaluationPipelineExecution.get_all()]
    assert execution.arn in [e.arn for e in
                             EvaluationPipelineExecution.get_all(eval_type="customscorer")]


CONCISE = json.dumps([{"customMetricDefinition": {
    "name": "Concise", "instructions": "Is {{prediction}} a concise answer to {{prompt}}?",
    "ratingScale": [{"definition": "yes", "value": {"floatValue": 1}},
                    {"definition": "no", "value": {"floatValue": 0}}]}}])


def test_llm_as_judge_with_base_model(out, genqa, capsys):
    reply = json.dumps({"reasoning": "looks right", "rating": "1"})
    ev = LLMAsJudgeEvaluator(evaluator_model="mock/constant", evaluator_model_args={"text": reply},
                             dataset=str(genqa), model="mock/oracle", base_model_name="mock/echo",
                             evaluate_base_model=True, builtin_metrics=["Correctness"],
                             custom_metrics=CONCISE, s3_output_path=str(out))
    execution = ev.evaluate()
    assert isinstance(execution, LLMAJEvaluationExecution)
    execution.wait(**WAIT)
    runs = execution.run_dirs()
    agg = json.loads((runs["custom"] / "bedrock" / "bedrock_llm_judge_results.json").read_text())
    assert set(agg["results"]) == {"Builtin.Correctness", "Concise"}
    c = agg["results"]["Builtin.Correctness"]
    assert (c["score"], c["std_deviation"], c["total_evaluations"]) == (0.0, 0.0, 4)
    assert agg["results"]["Concise"]["score"] == 1.0
    assert (runs["base"] / "bedrock" / "bedrock_llm_judge_results.json").is_file()
    capsys.readouterr()
    execution.show_results(limit=2, offset=1, show_explanations=True)
    text = capsys.readouterr().out
    assert "Evaluation 2 of 4" in text and "Evaluation 3 of 4" in text
    assert "Evaluation 1 of 4" not in text and "Evaluation 4 of 4" not in text
    assert "looks right" in text                     # the judge's explanation
    assert "What is 2 + 2?" in text                  # the prompt of example 2
    assert "Custom wins" in text and "Ties" in text
    assert "4 (100.0%)" in text                      # a constant judge: every example ties


def test_stream_logs_prints_until_the_end(out, genqa, capsys):
    ev = CustomScorerEvaluator(evaluator="prime_math", dataset=str(genqa), model="mock/oracle",
                               s3_output_path=str(out))
    with pytest.raises(ValueError, match="call evaluate\\(\\) first"):
        ev.stream_logs()
    execution = ev.evaluate()
    ev.stream_logs(poll=0.2)
    assert execution.status.overall_status in ("Succeeded", "Failed")
    text = capsys.readouterr().out
    assert "[custom] " in text
