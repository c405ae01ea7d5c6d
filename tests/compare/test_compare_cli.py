"""``assay compare RUN_A RUN_B`` on real runs made by the CLI with mock models: verdicts,
exit codes, the numbers against scipy, the outputs, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from assay.cli.app import main
from tests.compare.mock_runs import (N_ROWS, answers, gen_qa_run, judge_run, judge_script,
                                    read_records)
from tests.conftest import write_jsonl

pytestmark = pytest.mark.timeout(300)


def _compare(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["compare", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _doc(folder: Path) -> dict:
    return json.loads((folder / "comparison.json").read_text(encoding="utf-8"))


def test_scripted_regression_fails_the_gate(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "base", "mock/oracle")
    script = answers(tmp_path, "b", wrong=set(range(0, 30, 3)))          # 10 of 30 wrong
    b = gen_qa_run(tmp_path, "chal", "mock/script", "-M", f"file={script}")
    code, out, err = _compare(capsys, str(a), str(b), "--fail-on-regression")
    assert code == 5
    folder = b / "compare-base"
    assert out.strip().splitlines()[-1] == str(folder.resolve())
    assert "regression: B is worse on em" in err
    doc = _doc(folder)
    em = doc["metrics"]["em"]
    assert doc["primary_metric"] == "em" and doc["verdict"]["verdict"] == "B is worse"
    assert (em["a"], em["b"], em["n_pairs"]) == (1.0, pytest.approx(2 / 3), N_ROWS)
    assert em["difference"] == pytest.approx(-1 / 3)
    assert em["ci_high"] < 0 and em["test"] == "mcnemar_exact"
    assert em["p_value"] == pytest.approx(stats.binomtest(10, 10, 0.5).pvalue)   # 2 / 2**10
    assert em["tests"]["mcnemar_exact"]["a_only_correct"] == 10
    for name in ("comparison.json", "comparison.png", "comparison.html"):
        assert (folder / name).stat().st_size > 0
    assert (folder / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(doc["examples"]["b_worse"]) == 10 and doc["examples"]["b_better"] == []
    assert doc["examples"]["b_worse"][0]["texts_b"]["output"] == "wrong"
    # the gate on all metrics, and the default (no gate) exits 0
    assert _compare(capsys, str(a), str(b), "--fail-on-regression", "all")[0] == 5
    assert _compare(capsys, str(a), str(b), "--quiet")[0] == 0


def test_a_tie_passes_the_gate(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "one", "mock/oracle")
    b = gen_qa_run(tmp_path, "two", "mock/oracle")
    code, out, _ = _compare(capsys, str(a), str(b), "--fail-on-regression", "all")
    assert code == 0
    doc = _doc(b / "compare-one")
    for m in doc["metrics"].values():
        assert m["difference"] == 0 and m["verdict"] == "no significant difference"
    assert "no significant difference on em" in out


def test_a_small_regression_is_not_significant(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "base", "mock/oracle")
    script = answers(tmp_path, "b", wrong={4, 17})
    b = gen_qa_run(tmp_path, "chal", "mock/script", "-M", f"file={script}")
    code, _, _ = _compare(capsys, str(a), str(b), "--fail-on-regression")
    assert code == 0
    em = _doc(b / "compare-base")["metrics"]["em"]
    assert em["p_value"] == pytest.approx(0.5) and em["verdict"] == "no significant difference"


def test_numbers_equal_scipy_on_real_runs(tmp_path, capsys):
    """echo (query text) against a script with partial answers: f1 and rouge are continuous,
    em is 0/1; every p-value equals scipy's on the per-example values of examples.jsonl."""
    a = gen_qa_run(tmp_path, "echo", "mock/echo")
    words = ["red", "green", "blue"]
    script = write_jsonl(tmp_path / "partial.jsonl", [
        {"id": f"r{i}", "text": [f"answer {i} {words[i % 3]}", f"answer {i}", "answer",
                                 f"{words[i % 3]}", "no idea"][i % 5]} for i in range(N_ROWS)])
    b = gen_qa_run(tmp_path, "partial", "mock/script", "-M", f"file={script}")
    code, _, _ = _compare(capsys, str(a), str(b), "--out", str(tmp_path / "cmp"))
    assert code == 0
    doc = _doc(tmp_path / "cmp")
    ra, rb = read_records(a), read_records(b)
    for name in ("f1", "rougeL", "bleu"):
        xa = np.array([r["metrics"][name] for r in ra])
        xb = np.array([r["metrics"][name] for r in rb])
        m = doc["metrics"][name]
        assert m["type"] == "continuous" and m["test"] == "paired_t"
        assert m["p_value"] == pytest.approx(stats.ttest_rel(xb, xa).pvalue, rel=1e-9)
        assert m["tests"]["paired_t"]["statistic"] == pytest.approx(
            stats.ttest_rel(xb, xa).statistic, rel=1e-9)
        w = stats.wilcoxon(xb - xa)
        assert m["tests"]["wilcoxon"]["p_value"] == pytest.approx(w.pvalue, rel=1e-9)
        assert m["tests"]["wilcoxon"]["statistic"] == pytest.approx(w.statistic)
        assert m["difference"] == pytest.approx(float((xb - xa).mean()))
        assert m["ci_low"] <= m["difference"] <= m["ci_high"]
    ea = np.array([r["metrics"]["em"] for r in ra])
    eb = np.array([r["metrics"]["em"] for r in rb])
    b_only, a_only = int(((eb == 1) & (ea == 0)).sum()), int(((ea == 1) & (eb == 0)).sum())
    em = doc["metrics"]["em"]
    assert em["type"] == "binary"
    assert em["p_value"] == pytest.approx(stats.binomtest(b_only, a_only + b_only).pvalue)
    assert em["verdict"] == "B is better"


def test_failed_examples_are_left_out_and_counted(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "base", "mock/oracle")
    b = gen_qa_run(tmp_path, "flaky", "mock/oracle", "-M", "fail_every=7", "--allow-failures",
                   "--max-failure-share", "0.5")
    code, out, _ = _compare(capsys, str(a), str(b))
    assert code == 0
    em = _doc(b / "compare-base")["metrics"]["em"]
    assert em["n_pairs"] == N_ROWS - 4
    assert em["excluded"] == {"failed_a": 0, "failed_b": 4, "failed_both": 0, "no_value": 0,
                              "total": 4}
    assert "4 pairs left out" in out


def test_different_items_are_refused_unless_common_only(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "all", "mock/oracle")
    b = gen_qa_run(tmp_path, "some", "mock/oracle", "--limit", "25")
    code, _, err = _compare(capsys, str(a), str(b))
    assert code == 2
    assert err.strip() == ("error: the runs are not on the same examples (5 only in A, 0 only "
                           "in B, 25 in common); --common-only compares the 25 common ones")
    code, out, _ = _compare(capsys, str(a), str(b), "--common-only")
    assert code == 0
    doc = _doc(b / "compare-all")
    assert doc["items"] == {"common": 25, "only_a": 5, "only_b": 0, "dropped": 5,
                            "common_only": True}
    assert "5 examples not in both runs were left out" in out


def test_rows_without_id_hint_at_match_index(tmp_path, capsys):
    rows = [{"query": f"q{i}", "response": f"a{i}", "system": "be brief"} for i in range(6)]
    d1 = write_jsonl(tmp_path / "d1.jsonl", rows)
    d2 = write_jsonl(tmp_path / "d2.jsonl", [dict(r, system="be verbose") for r in rows])
    a = gen_qa_run(tmp_path, "brief", "mock/oracle", data=d1)
    b = gen_qa_run(tmp_path, "verbose", "mock/oracle", data=d2)
    code, _, err = _compare(capsys, str(a), str(b))
    assert code == 2 and "share no examples" in err and "--match index" in err
    assert _compare(capsys, str(a), str(b), "--match", "index")[0] == 0
    assert _doc(b / "compare-brief")["items"]["common"] == 6


def test_judge_runs_compare_win_rates(tmp_path, capsys):
    a = judge_run(tmp_path, "ja", judge_script(tmp_path, "ja", ["tie"] * 16))
    b = judge_run(tmp_path, "jb", judge_script(tmp_path, "jb", ["A"] * 12 + ["B", "tie"] * 2))
    code, _, err = _compare(capsys, str(a), str(b), "--fail-on-regression")
    assert code == 5 and "B is worse on winrate" in err
    doc = _doc(b / "compare-ja")
    w = doc["metrics"]["winrate"]
    assert doc["primary_metric"] == "winrate" and w["type"] == "win_rate"
    assert w["a"] == 0.5 and w["b"] == pytest.approx((2 + 2 * 0.5) / 16)
    assert w["tests"]["sign_test"] == {"p_value": pytest.approx(stats.binomtest(2, 14).pvalue),
                                       "b_better": 2, "b_worse": 12, "unchanged": 2}
    assert w["reported"] == {"a": 0.5, "b": pytest.approx(3 / 16)}
    # the other way round B is better, and the gate passes
    assert _compare(capsys, str(b), str(a), "--fail-on-regression")[0] == 0
    assert _doc(a / "compare-jb")["verdict"]["verdict"] == "B is better"


def test_judge_errors_are_left_out(tmp_path, capsys):
    a = judge_run(tmp_path, "ja", judge_script(tmp_path, "ja", ["tie"] * 16))
    rows = [json.loads(x) for x in judge_script(tmp_path, "tmp", ["B"] * 16).read_text()
            .splitlines()]
    rows[0]["text"] = rows[2]["text"] = "no verdict here"       # p0 and p1 forward unparseable
    b = judge_run(tmp_path, "jb", write_jsonl(tmp_path / "jb.jsonl", rows))
    code, _, _ = _compare(capsys, str(a), str(b))
    assert code == 0
    w = _doc(b / "compare-ja")["metrics"]["winrate"]
    assert w["n_pairs"] == 14 and w["excluded"]["failed_b"] == 2
    assert w["verdict"] == "B is better"


def _rubric_text(a: int, b: int) -> str:
    label = "[[A>B]]" if a > b else ("[[B>A]]" if b > a else "[[A=B]]")
    return "\n".join([
        "criteria:", "  accuracy:", "    description: is it right", "    type: scale",
        "    weight: 1.0", f"    score_A: {a}", f"    score_B: {b}", "    justification_A: x",
        "    justification_B: y", "overall_justification: because", f'label: "{label}"'])


def _rubric_script(tmp: Path, name: str, scores: list[tuple[int, int]]) -> Path:
    """Per prompt (score of A, score of B), consistent in both passes."""
    rows = []
    for i, (a, b) in enumerate(scores):
        rows += [{"id": f"p{i}:forward", "text": _rubric_text(a, b)},
                 {"id": f"p{i}:backward", "text": _rubric_text(b, a)}]
    return write_jsonl(tmp / f"{name}.jsonl", rows)


def test_rubric_runs_compare_scores_too(tmp_path, capsys):
    a = judge_run(tmp_path, "ra", _rubric_script(tmp_path, "ra", [(3, 3)] * 16),
                  task="rubric_llm_judge")
    b = judge_run(tmp_path, "rb", _rubric_script(
        tmp_path, "rb", [(3, 2 + i % 4) for i in range(16)]), task="rubric_llm_judge")
    code, _, _ = _compare(capsys, str(a), str(b))
    assert code == 0
    doc = _doc(b / "compare-ra")
    assert list(doc["metrics"]) == ["winrate", "weighted_score_B", "score_margin"]
    margin = doc["metrics"]["score_margin"]
    assert margin["higher_is_better"] is False
    ra, rb = read_records(a), read_records(b)
    for name in ("weighted_score_B", "score_margin"):
        xa = np.array([r["metrics"][name] for r in ra])
        xb = np.array([r["metrics"][name] for r in rb])
        assert np.ptp(xb - xa) > 0
        m = doc["metrics"][name]
        assert m["difference"] == pytest.approx(float((xb - xa).mean()))
        assert m["p_value"] == pytest.approx(stats.ttest_rel(xb, xa).pvalue, rel=1e-9)
        assert m["tests"]["wilcoxon"]["p_value"] == pytest.approx(stats.wilcoxon(xb - xa).pvalue)
    # B's scores rose on average, so its margin (A − B) fell: the same direction for both
    assert doc["metrics"]["weighted_score_B"]["difference"] > 0 > margin["difference"]


def test_different_tasks_are_refused(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "g", "mock/oracle")
    b = judge_run(tmp_path, "j", judge_script(tmp_path, "j", ["tie"] * 16))
    code, _, err = _compare(capsys, str(a), str(b))
    assert code == 2 and "different tasks: A is 'gen_qa', B is 'llm_judge'" in err


def test_unfinished_or_missing_runs_are_refused(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "a", "mock/oracle")
    b = gen_qa_run(tmp_path, "b", "mock/oracle")
    code, _, err = _compare(capsys, str(a), str(tmp_path / "nope"))
    assert code == 2 and "not a run directory" in err
    manifest = json.loads((b / "run.json").read_text())
    (b / "run.json").write_text(json.dumps(dict(manifest, status="running")))
    code, _, err = _compare(capsys, str(a), str(b))
    assert code == 2 and "not a finished run (run.json status: running)" in err
    assert not (b / "compare-a").exists()


def test_unknown_metric_is_refused(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "a", "mock/oracle")
    b = gen_qa_run(tmp_path, "b", "mock/oracle")
    code, _, err = _compare(capsys, str(a), str(b), "--metric", "emm")
    assert code == 2 and "unknown metric 'emm'" in err and "em, qem, f1" in err
    code, _, err = _compare(capsys, str(a), str(b), "--fail-on-regression", "emm")
    assert code == 2 and "--fail-on-regression" in err


def test_metric_option_sets_the_primary_and_the_gate(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "base", "mock/oracle")
    script = answers(tmp_path, "b", wrong=set(range(0, 30, 3)), text="answer")
    b = gen_qa_run(tmp_path, "chal", "mock/script", "-M", f"file={script}")
    code, out, _ = _compare(capsys, str(a), str(b), "--metric", "rouge1",
                            "--fail-on-regression")
    assert code == 5
    doc = _doc(b / "compare-base")
    assert doc["primary_metric"] == "rouge1" and doc["metrics"]["rouge1"]["type"] == "continuous"


def test_html_escapes_model_text(tmp_path, capsys):
    a = gen_qa_run(tmp_path, "base", "mock/oracle")
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    script = answers(tmp_path, "b", wrong={1, 2, 3}, text=evil)
    b = gen_qa_run(tmp_path, "chal", "mock/script", "-M", f"file={script}")
    assert _compare(capsys, str(a), str(b))[0] == 0
    page = (b / "compare-base" / "comparison.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "data:image/png;base64," in page and "http://" not in page and "https://" not in page


def test_benchmark_base_comparison_is_a_user_of_the_core(tmp_path, capsys):
    """``--base-model`` writes its comparison through the same statistics: ``assay compare``
    of the base run and the challenger gives the same numbers."""
    fixtures = Path(__file__).resolve().parents[1] / "benchmarks" / "fixtures"
    recipe = tmp_path / "b.yaml"
    recipe.write_text("run:\n  name: b\nevaluation:\n  task: arc_easy\ninference:\n"
                      "  max_new_tokens: 8\nassay:\n  seed: 11\n")
    arc = [json.loads(x) for x in (fixtures / "arc" / "ARC-Easy-Test.jsonl").read_text()
           .splitlines()]
    golds = [r["question"]["choices"][[c["label"] for c in r["question"]["choices"]]
                                      .index(r["answerKey"])]["text"] for r in arc]
    assert main(["run", str(recipe), "--data", str(fixtures / "arc"), "-m", "mock/echo",
                 "-M", "ll_prefer=" + json.dumps(golds[:5]), "--base-model", "mock/constant",
                 "--output-dir", str(tmp_path / "out"), "--quiet", "--allow-failures"]) == 0
    run = tmp_path / "out" / "b"
    embedded = json.loads((run / "metrics.json").read_text())["comparison"]
    code, _, _ = _compare(capsys, str(run / "base"), str(run), "--seed", "11")
    assert code == 0
    doc = _doc(run / "compare-base")
    for metric in ("acc", "acc_norm"):
        want, got = embedded["metrics"][metric]["overall"], doc["metrics"][metric]
        assert got["stratified_by"] == "subtask"
        for k_got, k_want in (("a", "base"), ("b", "challenger"), ("difference", "difference"),
                              ("ci_low", "ci_low"), ("ci_high", "ci_high"),
                              ("p_value", "p_value"), ("n_pairs", "n"), ("test", "test")):
            assert got[k_got] == want[k_want], (metric, k_got)
