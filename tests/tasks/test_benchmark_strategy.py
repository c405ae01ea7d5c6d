"""Issue 17: the recipe's strategy decides the scoring method, the strategy recorded in the
results is the one that ran, and the run says which method ran and why (console line,
metrics.json, run.json). On the scripted mock backend; the embedded model runs in
test_benchmark_strategy_acceptance.py."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import assay
from assay.benchmarks.registry import get_benchmark
from assay.errors import ConfigError
from assay.runner.run import RunOptions
from assay.tasks.benchmark.console import print_benchmark
from assay.tasks.benchmark.strategy import resolve_scoring, scoring_note

from ..conftest import ROOT

FIXTURES = ROOT / "tests" / "benchmarks" / "fixtures"
QUIET = RunOptions(progress="none", print_summary=False)


def _recipe(out: Path, task: str = "mmlu", strategy: str | None = None, data: str = "mmlu/original",
            **bench) -> dict:
    ev = {"task": task, "metric": "accuracy", **({"strategy": strategy} if strategy else {})}
    if task == "mmlu":
        ev["subtask"] = "abstract_algebra"
    return {"run": {"name": "s"}, "evaluation": ev,
            "inference": {"max_new_tokens": 24, "temperature": 0},
            "assay": {"model": "mock/oracle", "data": str(FIXTURES / data),
                      "output_dir": str(out), "limit": 3, "benchmark": bench}}


def _nova_keys(res) -> set[str]:
    return set(json.loads(Path(res.paths["results"]).read_text())["results"]) - {"all"}


def _scoring(name: str, strategy=None, method="auto", cot=None, shots=None, subtasks=None):
    b = get_benchmark(name)
    subs = subtasks if subtasks is not None else (list(b.subtasks[:1]) or [""])
    return resolve_scoring(b, subs, strategy=strategy, method=method, cot=cot,
                           num_fewshot=shots)


@pytest.mark.parametrize("name,strategy,method,cot,shots,expected", [
    # a Nova recipe's chain-of-thought strategy: generation, as the Nova container
    ("mmlu", "zs_cot", "auto", None, None, ("zs_cot", True, "generate")),
    ("mmlu", "fs_cot", "auto", None, None, ("fs_cot", True, "generate")),
    # zs / fs: log-likelihood where the backend can (decided per item), no chain of thought
    ("mmlu", "zs", "auto", None, None, ("zs", False, "auto")),
    ("arc", "fs", "auto", None, None, ("fs", False, "auto")),
    # no strategy: log-likelihood as lm-eval, recorded zs (fs with --num-fewshot K > 0)
    ("mmlu", None, "auto", None, None, ("zs", False, "auto")),
    ("arc", None, "auto", None, 5, ("fs", False, "auto")),
    ("arc", None, "auto", None, 0, ("zs", False, "auto")),
    # generation-only benchmarks keep their own default strategy
    ("gsm8k", None, "auto", None, None, ("zs_cot", True, "generate")),
    ("bbh", None, "auto", None, None, ("fs_cot", True, "generate")),
    ("gsm8k", "zs", "auto", None, None, ("zs", False, "generate")),
    # a forced method wins; log-likelihood has no chain of thought, so zs_cot is recorded zs
    ("mmlu", "zs_cot", "loglikelihood", None, None, ("zs", False, "loglikelihood")),
    ("mmlu", "fs_cot", "loglikelihood", None, None, ("fs", False, "loglikelihood")),
    ("mmlu", None, "generate", None, None, ("zs_cot", True, "generate")),   # mmlu's default
    ("arc", None, "generate", None, None, ("zs", False, "generate")),
    ("mmlu", "zs", "generate", None, None, ("zs", False, "generate")),
    # assay.benchmark.cot overrides the strategy's, and the recorded strategy follows it
    ("mmlu", "zs_cot", "auto", False, None, ("zs", False, "auto")),
    ("arc", None, "auto", True, None, ("zs_cot", True, "generate")),
])
def test_resolution_rules(name, strategy, method, cot, shots, expected):
    s = _scoring(name, strategy, method, cot, shots)
    assert (s.strategy, s.cot, s.method) == expected
    assert s.requested_strategy == strategy and s.requested_method == method and s.reason


def test_contradictions_are_config_errors_naming_the_field():
    with pytest.raises(ConfigError, match="needs generation.*mc2 is scored by log-likelihood"
                       ) as err:
        _scoring("truthfulqa", "zs_cot", subtasks=["mc1", "mc2"])
    assert err.value.field == "evaluation.strategy"
    with pytest.raises(ConfigError, match="gsm8k cannot be scored by loglikelihood") as err:
        _scoring("gsm8k", "zs", "loglikelihood")
    assert err.value.field == "assay.benchmark.method"
    # mc2 alone with zs is fine: log-likelihood, the only path it has
    assert _scoring("truthfulqa", "zs", subtasks=["mc2"]).method == "auto"


def test_notes_say_which_method_ran_and_why():
    s = _scoring("mmlu", "zs_cot")
    assert scoring_note(s, {"generate": 3}, "mock/oracle") == (
        "scoring: generation with chain of thought (recipe strategy zs_cot, as the Nova "
        "container; --method loglikelihood to change)")
    assert scoring_note(_scoring("mmlu", "zs"), {"loglikelihood": 3}, "m") == (
        "scoring: log-likelihood (recipe strategy zs; --method generate to change)")
    note = scoring_note(_scoring("mmlu"), {"loglikelihood": 3}, "m")
    assert note.startswith("scoring: log-likelihood (no strategy given: zs, as "
                           "lm-evaluation-harness;")
    # auto on a backend that cannot score continuations: generation, answering directly
    assert scoring_note(_scoring("arc", "zs"), {"generate": 3}, "openai/x") == (
        "scoring: generation, answering directly (recipe strategy zs; openai/x cannot score "
        "continuations by log-likelihood)")
    assert "recorded as zs" in scoring_note(_scoring("mmlu", "zs_cot", "loglikelihood"),
                                            {"loglikelihood": 3}, "m")
    # a generation-only benchmark offers no log-likelihood
    assert "--method" not in scoring_note(_scoring("gsm8k"), {"generate": 3}, "m")


def test_nova_zs_cot_recipe_is_scored_by_chain_of_thought_generation(tmp_path):
    res = assay.evaluate(_recipe(tmp_path, strategy="zs_cot"), QUIET)
    s = res.summary
    assert s["methods"] == {"generate": 3} and s["strategy"] == "zs_cot" and s["cot"] is True
    assert _nova_keys(res) == {"custom|mmlu_zs_cot|0", "custom|mmlu:abstract_algebra_zs_cot|0"}
    recs = list(res.records_dicts())
    assert all(r["method"] == "generate" and "step by step" in r["prompt"] for r in recs)
    assert s["overall"]["acc"]["value"] == 1.0          # the oracle's letter is extracted
    metrics = json.loads((res.run_dir / "metrics.json").read_text())
    assert metrics["scoring"]["method"] == "generate"
    assert metrics["scoring"]["reason"] == "recipe strategy zs_cot, as the Nova container"
    assert metrics["scoring"]["note"].startswith("scoring: generation with chain of thought")
    manifest = json.loads((res.run_dir / "run.json").read_text())
    assert manifest["fingerprint_doc"]["metrics"]["method"] == "generate"


def test_zs_and_no_strategy_score_by_loglikelihood_and_record_zs(tmp_path):
    for name, strategy in (("zs", "zs"), ("none", None)):
        res = assay.evaluate(_recipe(tmp_path / name, strategy=strategy), QUIET)
        assert res.summary["methods"] == {"loglikelihood": 3}
        assert res.summary["strategy"] == "zs" and res.summary["cot"] is False
        assert _nova_keys(res) == {"custom|mmlu_zs|0", "custom|mmlu:abstract_algebra_zs|0"}
        assert all("step by step" not in r["prompt"] for r in res.records_dicts())


def test_forced_loglikelihood_on_a_cot_recipe_records_zs(tmp_path):
    res = assay.evaluate(_recipe(tmp_path, strategy="zs_cot", method="loglikelihood"), QUIET)
    assert res.summary["methods"] == {"loglikelihood": 3}
    assert _nova_keys(res) == {"custom|mmlu_zs|0", "custom|mmlu:abstract_algebra_zs|0"}
    assert "strategy zs_cot is recorded as zs" in res.summary["scoring"]["reason"]


def test_backend_without_loglikelihood_generates_and_says_why(tmp_path, monkeypatch):
    from assay.backends.mock import MockBackend

    monkeypatch.setattr(MockBackend, "supports_loglikelihood", False)
    res = assay.evaluate(_recipe(tmp_path, task="arc", strategy="zs", data="arc"), QUIET)
    assert res.summary["methods"] == {"generate": 6} and res.summary["strategy"] == "zs"
    assert all("step by step" not in r["prompt"] for r in res.records_dicts())
    assert "mock/oracle cannot score continuations" in res.summary["scoring"]["note"]


def test_console_prints_the_scoring_line(tmp_path):
    from rich.console import Console

    res = assay.evaluate(_recipe(tmp_path, strategy="zs_cot"), QUIET)
    buf = io.StringIO()
    print_benchmark(res.summary, title="t", console=Console(file=buf, width=300))
    lines = [ln for ln in buf.getvalue().splitlines() if ln.startswith("scoring:")]
    assert lines == [res.summary["scoring"]["note"]]
