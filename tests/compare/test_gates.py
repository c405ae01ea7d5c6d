"""``--fail-under`` gates on the metrics.json of every task kind (the goldens of
tests/tasks), and ``--fail-on-regression``'s choice of metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.compare.gates import check_gates, gate_values, parse_gate_specs, regressions
from assay.errors import ConfigError

GOLDEN = Path(__file__).resolve().parents[1] / "tasks" / "golden"


def _summary(task: str) -> dict:
    return json.loads((GOLDEN / task / "metrics.json").read_text(encoding="utf-8"))


def test_gen_qa_value_and_ci():
    s = _summary("gen_qa")            # em 0.15, CI [0.0706, 0.2907]
    assert check_gates(s, ["em=0.15", "f1=0.5"]) == []
    assert check_gates(s, ["em=0.2"]) == ["em: value 0.15 < 0.2"]
    assert check_gates(s, ["em=0.1"], mode="ci") == ["em: lower 95% CI bound 0.07061 < 0.1"]
    assert check_gates(s, ["em=0.07"], mode="ci") == []
    assert check_gates(s, ["corpus_bleu=5"]) == []       # a scorer's metric


def test_benchmark_uses_overall():
    s = _summary("benchmark")         # acc 0.1667, CI [0.0301, 0.5635]
    assert check_gates(s, ["acc=0.2"]) == ["acc: value 0.1667 < 0.2"]
    assert check_gates(s, ["acc=0.03"], mode="ci") == []
    assert check_gates(s, ["acc_norm=0.05"], mode="ci") == [
        "acc_norm: lower 95% CI bound 0.03005 < 0.05"]


@pytest.mark.parametrize("task", ["llm_judge", "rubric_llm_judge"])
def test_judge_winrate_and_lower_rate(task):
    s = _summary(task)                # winrate 0.5, lower_rate 0.5
    assert check_gates(s, ["winrate=0.5"]) == []
    assert check_gates(s, ["winrate=0.6"]) == ["winrate: value 0.5 < 0.6"]
    assert check_gates(s, ["winrate=0.55"], mode="ci") == [
        "winrate: lower 95% CI bound 0.5 < 0.55"]
    assert set(gate_values(s, "ci")) == {"winrate"}
    assert "lower_rate" not in gate_values(s, "value")
    if task == "rubric_llm_judge":
        assert check_gates(s, ["weighted_score_B=0.6"]) == ["weighted_score_B: value 0.5938 < 0.6"]


def test_unknown_metric_lists_the_available_ones():
    with pytest.raises(ConfigError) as e:
        check_gates(_summary("gen_qa"), ["emm=0.5"])
    assert "unknown metric 'emm'" in str(e.value) and "em, qem, f1" in str(e.value)
    assert e.value.exit_code == 2
    with pytest.raises(ConfigError) as e:
        check_gates(_summary("llm_judge"), ["ties=1"], mode="ci")
    assert "with a confidence interval: winrate" in str(e.value)


@pytest.mark.parametrize("spec", ["em", "=0.5", "em=", "em=abc", "em=nan", "em=inf"])
def test_malformed_spec_is_a_config_error(spec):
    with pytest.raises(ConfigError) as e:
        parse_gate_specs([spec])
    assert "--fail-under" in str(e.value)


def test_not_a_number_fails_the_gate():
    s = {"task": "gen_qa", "metrics": {"em": {"value": None, "ci_low": None}}}
    assert check_gates(s, ["em=0"]) == ["em: value is not a number (nothing scored); needs >= 0"]


def test_regressions_choose_metrics():
    worse = {"verdict": "B is worse", "a": 1.0, "b": 0.5, "difference": -0.5, "ci_low": -0.7,
             "ci_high": -0.3, "test": "mcnemar_exact", "p_value": 0.001, "n_pairs": 40}
    same = dict(worse, verdict="no significant difference", p_value=0.5)
    doc = {"primary_metric": "em", "metrics": {"em": same, "f1": worse}}
    assert regressions(doc) == []
    assert len(regressions(doc, "f1")) == 1 and regressions(doc, "f1")[0].startswith(
        "B is worse on f1")
    assert len(regressions(doc, "all")) == 1
    with pytest.raises(ConfigError):
        regressions(doc, "bleu")
