"""``assay eval TASK[,TASK...]`` (issue 17): benchmarks without a recipe, one run directory per
task, a summary table, and an exit code that says when a task failed. On the scripted mock
backend, plus one acceptance run of the embedded model on the real ARC-Easy file."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from assay.cli.app import main

from ..conftest import ASSAY, ROOT, SHARED, env_for_subprocess

FIXTURES = ROOT / "tests" / "benchmarks" / "fixtures"


def _eval(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["eval", *args, "--progress", "none", "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def test_two_aliases_run_one_after_another_with_a_summary(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = _eval(capsys, "arc_easy,arc_challenge", "-m", "mock/oracle", "--data",
                           str(FIXTURES / "arc"), "--limit", "3", "-o", str(out_dir))
    assert code == 0, err
    for task, sub in (("arc_easy", "easy"), ("arc_challenge", "challenge")):
        m = json.loads((out_dir / task / "metrics.json").read_text())
        assert m["task"] == task and list(m["subtasks"]) == [sub] and m["n_items"] == 3
        assert m["strategy"] == "zs" and m["methods"] == {"loglikelihood": 3}
        (results,) = (out_dir / task / "eval_results").glob("results_*.json")
        assert f"custom|{task}_zs|0" in json.loads(results.read_text())["results"]
        row = next(line for line in out.splitlines() if f"│ {task} " in line)
        assert "zs|0" in row and "loglikelihood" in row and "acc" in row
        assert f"{m['overall']['acc']['value']:.4f}" in row
    assert "assay eval: 2 tasks" in out


def test_method_and_num_fewshot_reach_the_runs(tmp_path, capsys):
    code, out, err = _eval(capsys, "mmlu", "--subtask", "abstract_algebra", "-m", "mock/oracle",
                           "--data", str(FIXTURES / "mmlu" / "original"), "--limit", "2",
                           "--method", "generate", "--num-fewshot", "1", "--max-new-tokens",
                           "8", "-o", str(tmp_path))
    assert code == 0, err
    m = json.loads((tmp_path / "mmlu" / "metrics.json").read_text())
    # no strategy and --method generate: MMLU's own (Nova) default, chain of thought, and
    # --num-fewshot 1 makes it few-shot
    assert m["methods"] == {"generate": 2} and m["num_fewshot"] == 1
    assert m["strategy"] == "fs_cot" and m["cot"] is True
    assert m["scoring"]["reason"] == ("method generate requested; no strategy given: mmlu's "
                                      "default fs_cot")


def test_a_failing_task_does_not_stop_the_others_and_exits_non_zero(tmp_path, capsys):
    # truthfulqa has no files under the ARC folder: that task fails, ARC-Easy still runs
    code, out, err = _eval(capsys, "truthfulqa_mc1", "arc_easy", "-m", "mock/oracle",
                           "--data", str(FIXTURES / "arc"), "--limit", "2", "-o", str(tmp_path))
    assert code == 2
    assert "error: truthfulqa_mc1: " in err and "truthfulqa" in err
    assert (tmp_path / "arc_easy" / "metrics.json").is_file()
    assert any("truthfulqa_mc1" in line and "failed" in line for line in out.splitlines())


@pytest.mark.parametrize("args,needle", [
    (["mmlux"], "Did you mean 'mmlu'?"),
    (["gen_qa"], "task gen_qa needs a recipe: assay run RECIPE"),
    (["arc_easy,mmlu", "--subtask", "anatomy"], "--subtask applies to one task"),
])
def test_bad_tasks_are_exit_2_before_anything_runs(tmp_path, capsys, args, needle):
    code, out, err = _eval(capsys, *args, "--data", str(FIXTURES / "arc"), "-o",
                           str(tmp_path / "out"))
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


def test_no_data_folder_says_what_to_pass(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ASSAY_BENCHDATA", raising=False)
    code, out, err = _eval(capsys, "arc_easy", "-o", str(tmp_path / "out"))
    assert code == 2 and "pass --data DIR" in err and "ASSAY_BENCHDATA" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_acceptance_arc_easy_on_the_embedded_model_without_a_recipe(tmp_path):
    """``assay eval arc_easy -m local/smollm2 --limit N`` with ASSAY_BENCHDATA set, as a new
    user types it (5 items keep it quick; 20 work the same, in about 35 s of CPU)."""
    pytest.importorskip("llama_cpp")
    benchdata = SHARED / "benchdata"
    if not (benchdata / "arc" / "ARC-Easy-Test.jsonl").is_file():
        pytest.skip("../shared/benchdata/arc not present")
    env = dict(env_for_subprocess(), ASSAY_BENCHDATA=str(benchdata))
    t0 = time.perf_counter()
    p = subprocess.run([*ASSAY, "eval", "arc_easy", "-m", "local/smollm2", "--limit", "5",
                        "-o", str(tmp_path), "--progress", "none"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    m = json.loads((tmp_path / "arc_easy" / "metrics.json").read_text())
    assert m["n_items"] == 5 and m["n_errors"] == 0 and m["methods"] == {"loglikelihood": 5}
    assert m["strategy"] == "zs" and m["model"] == "local/smollm2"
    recs = [json.loads(line) for line in
            (tmp_path / "arc_easy" / "examples.jsonl").read_text().splitlines()]
    assert m["overall"]["acc"]["value"] == pytest.approx(sum(r["correct"] for r in recs) / 5)
    assert all(len(r["loglikelihoods"]) == len(r["choices"]) for r in recs)
    assert "scoring: log-likelihood (no strategy given: zs" in p.stdout
    assert "assay eval: 1 task" in p.stdout
    print(f"assay eval arc_easy --limit 5 on the embedded model: "
          f"{time.perf_counter() - t0:.1f} s")
