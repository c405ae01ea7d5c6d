"""The results helpers: the LLM-as-judge aggregate file, win rates by the per-example
majority of metric wins, and the rows of both comparison documents."""

from __future__ import annotations

import json

import pytest

from assay.sdk.results_io import paired_rows, read_results_json, write_llmaj_results
from assay.sdk.show_llmaj import win_rates


def rec(prompt, **scores):
    return {"inputRecord": {"prompt": prompt},
            "modelResponses": [{"response": "r", "modelIdentifier": "m"}],
            "automatedEvaluationResult": {"scores": [
                {"metricName": k, "result": v, "evaluatorDetails": [{"explanation": "e"}]}
                for k, v in scores.items()]}}


def test_llmaj_results_file(tmp_path):
    folder = tmp_path / "run" / "bedrock" / "x" / "models" / "m"
    folder.mkdir(parents=True)
    lines = [rec("a", C=1.0, H=0.5), rec("b", C=0.0, H=None), rec("c", C=0.5, H=1.0)]
    (folder / "f_output.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    path = write_llmaj_results(tmp_path / "run")
    assert path == tmp_path / "run" / "bedrock" / "bedrock_llm_judge_results.json"
    res = json.loads(path.read_text())["results"]
    assert res["C"] == {"score": 0.5, "std_deviation": 0.5, "total_evaluations": 3}
    assert res["H"]["score"] == 0.75 and res["H"]["total_evaluations"] == 2
    assert res["H"]["std_deviation"] == pytest.approx(0.3535533906)


def test_win_rates_majority_of_metric_wins_with_lower_is_better():
    custom = [rec("p1", A=1.0, B=1.0, H=0.0), rec("p2", A=0.0, B=0.5, H=0.0),
              rec("p3", A=0.5, B=0.5, H=0.0), rec("p1", A=0.0, B=0.0, H=1.0)]
    base = [rec("p1", A=0.0, B=0.0, H=1.0), rec("p2", A=1.0, B=1.0, H=0.0),
            rec("p3", A=0.5, B=0.5, H=0.0), rec("p1", A=1.0, B=0.0, H=0.0)]
    w = win_rates(custom, base, lower={"H"})
    # p1#1: custom wins A, B and H (less harm); p2: base wins A, B; p3: tie; p1#2: base wins
    assert (w["n"], w["custom_wins"], w["base_wins"], w["ties"]) == (4, 1, 2, 1)
    assert w["custom_win_rate"] == pytest.approx(1.5 / 4)
    assert w["ci_low"] <= w["custom_win_rate"] <= w["ci_high"]
    assert 0 < w["p_value"] <= 1


def test_win_rates_pair_by_prompt_not_position():
    custom = [rec("x", A=1.0), rec("y", A=0.0)]
    base = [rec("y", A=1.0), rec("x", A=0.0)]
    assert win_rates(custom, base, set())["custom_wins"] == 1
    assert win_rates(custom, base, set())["base_wins"] == 1


def test_paired_rows_of_both_documents():
    bench = {"metrics": {"acc": {"overall": {"challenger": 0.6, "base": 0.5, "difference": 0.1,
                                             "ci_low": 0.0, "ci_high": 0.2, "p_value": 0.04,
                                             "test": "mcnemar_exact", "verdict": "v", "n": 10}}}}
    compare = {"metrics": {"em": {"a": 0.5, "b": 0.7, "difference": 0.2, "ci_low": 0.1,
                                  "ci_high": 0.3, "p_value": 0.01, "test": "paired_t",
                                  "verdict": "B is better", "n_pairs": 9}}}
    [b] = paired_rows(bench)
    assert (b["custom"], b["base"], b["n"]) == (0.6, 0.5, 10)
    [c] = paired_rows(compare)
    assert (c["custom"], c["base"], c["n"], c["verdict"]) == (0.7, 0.5, 9, "custom is better")
    bench["metrics"]["acc"]["overall"]["verdict"] = "challenger is better"
    assert paired_rows(bench)[0]["verdict"] == "custom is better"


def test_read_results_json_prefers_all_then_first_task_key(tmp_path):
    ev = tmp_path / "eval_results"
    ev.mkdir()
    (ev / "results_2026.json").write_text(json.dumps(
        {"results": {"custom|gen_qa_gen_qa|0": {"em": 0.5, "note": "x"}}}))
    assert read_results_json(tmp_path) == {"em": 0.5}
    (ev / "results_2026.json").write_text(json.dumps(
        {"results": {"custom|t|0": {"em": 0.5}, "all": {"acc": 0.25}}}))
    assert read_results_json(tmp_path) == {"acc": 0.25}
    with pytest.raises(FileNotFoundError):
        read_results_json(tmp_path / "none")
