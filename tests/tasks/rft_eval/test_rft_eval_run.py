"""The rft_eval task and gen_qa with lambda_type: rft, end to end with real components."""

from __future__ import annotations

import glob
import json
import shutil
from pathlib import Path

import pytest

import assay
from assay.errors import DataError
from tests.conftest import write_jsonl, write_recipe

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "rft"


def _opts():
    return assay.RunOptions(progress="none", print_summary=False, overwrite=True)


def _results(run_dir: Path) -> dict:
    return json.loads(Path(glob.glob(str(run_dir / "eval_results" / "results_*.json"))[0])
                      .read_text(encoding="utf-8"))


def _example_copy(tmp_path: Path) -> Path:
    for name in ("rft_eval_recipe.yaml", "math_reward.py", "math_rft.jsonl"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path / "rft_eval_recipe.yaml"


def test_example_recipe_with_the_oracle(tmp_path):
    recipe = _example_copy(tmp_path)
    res = assay.evaluate(recipe, _opts(), assay__model="mock/oracle",
                         assay__output_dir=str(tmp_path / "runs"), assay__group_by="subject")
    m = res.metrics
    assert m["aggregate_reward_score"] == 1.0 and m["exact_match"] == 1.0
    assert m["aggregate_reward_score_stderr"] == 0.0 and m["answer_found"] == 1.0
    assert m["boxed"] == 0.0            # the oracle answers the bare reference
    doc = _results(res.run_dir)
    for key in ("custom|rft_eval_rft_eval|0", "all"):
        assert doc["results"][key]["aggregate_reward_score"] == 1.0
    summary = json.loads((res.run_dir / "metrics.json").read_text(encoding="utf-8"))
    entry = summary["metrics"]["aggregate_reward_score"]
    assert entry["n"] == 10 and entry["ci_low"] < 1.0 <= entry["ci_high"]   # Wilson 95%
    assert "Precalculus" in summary["groups"]["subject"]
    assert (res.run_dir / "report.html").is_file()
    recs = list(res.records())
    assert len(recs) == 10 and recs[0].messages[0]["role"] == "system"
    assert recs[0].prediction == recs[0].gold


def test_scripted_answers_right_and_wrong(tmp_path):
    recipe = _example_copy(tmp_path)
    rows = [json.loads(x) for x in (EXAMPLE / "math_rft.jsonl").read_text().splitlines()]
    answers = [f"Thinking... so the answer is \\boxed{{{r['reference_answer']}}}"
               if i % 2 == 0 else "\\boxed{123456789}" for i, r in enumerate(rows)]
    res = assay.evaluate(recipe, _opts(), assay__model="mock/script",
                         assay__model_args={"responses": answers},
                         assay__output_dir=str(tmp_path / "runs"))
    assert res.metrics["aggregate_reward_score"] == pytest.approx(0.5)
    assert res.metrics["boxed"] == 1.0
    scores = [r.metrics["aggregate_reward_score"] for r in res.records()]
    assert scores == [1.0, 0.0] * 5


def _rft_recipe(tmp_path: Path, reward: str) -> Path:
    (tmp_path / "reward.py").write_text(reward, encoding="utf-8")
    path = tmp_path / "r.yaml"
    path.write_text("run:\n  name: rft\nevaluation:\n  task: rft_eval\n  strategy: rft_eval\n"
                    "  metric: all\nrl_env:\n  reward_lambda_arn: reward.py\n",
                    encoding="utf-8")
    return path


def _rows(n=4):
    return [{"id": f"q{i}", "messages": [{"role": "user", "content": f"say {i}"}],
             "reference_answer": {"value": i}} for i in range(n)]


def test_reward_failures_are_per_example(tmp_path):
    reward = ("def lambda_handler(event, context):\n"
              "    out = []\n"
              "    for s in event:\n"
              "        v = s['reference_answer']['value']\n"
              "        if v == 1:\n"
              "            raise ValueError('cannot score q1')\n"
              "        if v == 2:\n"
              "            return [{'id': 'other', 'aggregate_reward_score': 1.0}]\n"
              "        if v == 3:\n"
              "            return {'statusCode': 200, 'body': 'garbage'}\n"
              "        out.append({'id': s['id'], 'aggregate_reward_score': 0.75,\n"
              "                    'metrics_list': [{'name': 'len', 'value': 2,\n"
              "                                      'type': 'Metric'}]})\n"
              "    return out\n")
    recipe = _rft_recipe(tmp_path, reward)
    data = write_jsonl(tmp_path / "d.jsonl", _rows())
    res = assay.evaluate(recipe, _opts(), assay__model="mock/echo", assay__data=str(data),
                         assay__output_dir=str(tmp_path / "runs"), assay__max_failure_share=1.0)
    recs = list(res.records())
    assert recs[0].metrics == {"aggregate_reward_score": 0.75, "len": 2.0}
    assert recs[1].error.stage == "postprocess" and "cannot score q1" in recs[1].error.message
    assert "Traceback" in recs[1].error.raw
    assert "no result for id 'q2'" in recs[2].error.message and "other" in recs[2].error.raw
    assert "not JSON" in recs[3].error.message and "garbage" in recs[3].error.raw
    assert res.metrics["aggregate_reward_score"] == 0.75
    summary = json.loads((res.run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert summary["n_errors"] == 3 and summary["metrics"]["aggregate_reward_score"]["n"] == 1


@pytest.mark.parametrize("row, field", [
    ({"messages": [{"role": "user", "content": "q"}], "reference_answer": "a"}, "id"),
    ({"id": "a", "reference_answer": "a"}, "messages"),
    ({"id": "a", "messages": [], "reference_answer": "a"}, "messages"),
    ({"id": "a", "messages": [{"role": "user"}], "reference_answer": "a"}, "messages[0]"),
    ({"id": "a", "messages": [{"role": "robot", "content": "q"}], "reference_answer": "a"},
     "messages[0].role"),
    ({"id": "a", "messages": [{"role": "user", "content": 3}], "reference_answer": "a"},
     "messages[0].content"),
    ({"id": "a", "messages": [{"role": "system", "content": "s"}], "reference_answer": "a"},
     "messages"),
    ({"id": "a", "messages": [{"role": "user", "content": "q"}]}, "reference_answer"),
    ({"id": "a", "messages": [{"role": "user", "content": "q"}], "reference_answer": None},
     "reference_answer"),
])
def test_bad_rows_name_file_line_field(tmp_path, row, field):
    recipe = _rft_recipe(tmp_path, "def lambda_handler(e, c):\n    return []\n")
    good = _rows(1)[0]
    data = write_jsonl(tmp_path / "d.jsonl", [good, row])
    with pytest.raises(DataError) as err:
        assay.evaluate(recipe, _opts(), assay__model="mock/echo", assay__data=str(data),
                       assay__output_dir=str(tmp_path / "runs"))
    assert f"d.jsonl:2: field '{field}'" in str(err.value)


def test_cli_exit_code_and_one_line(tmp_path):
    import subprocess

    from tests.conftest import ASSAY, env_for_subprocess
    recipe = _rft_recipe(tmp_path, "def lambda_handler(e, c):\n    return []\n")
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "messages": "hi",
                                               "reference_answer": "x"}])
    p = subprocess.run([*ASSAY, "run", str(recipe), "-m", "mock/echo", "--data", str(data)],
                       capture_output=True, text=True, env=env_for_subprocess(), timeout=120,
                       cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "d.jsonl:1: field 'messages'" in p.stderr and "Traceback" not in p.stderr


def test_gen_qa_with_the_prime_math_preset(tmp_path):
    recipe = write_recipe(tmp_path / "r.yaml", "processor:\n  lambda_type: rft\n"
                          "  preset_reward_function: prime_math\n")
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"query": "1/2 as a decimal?", "response": "0.5"},
        {"query": "sqrt 8?", "response": "2\\sqrt{2}"},
        {"query": "x^2-1 factored?", "response": "(x-1)(x+1)"},
        {"query": "3+4?", "response": "7"}])
    answers = ["\\boxed{\\frac{1}{2}}", "\\boxed{\\sqrt{8}}", "\\boxed{x^2-1}", "\\boxed{8}"]
    res = assay.evaluate(recipe, _opts(), assay__model="mock/script",
                         assay__model_args={"responses": answers}, assay__data=str(data),
                         assay__output_dir=str(tmp_path / "runs"))
    m = res.metrics
    assert m["aggregate_reward_score"] == pytest.approx(0.75)
    assert m["exact_match"] == pytest.approx(0.75) and "em" in m and "rougeL" in m
    se = 0.5 / 2        # sample sd of [1, 1, 1, 0] (0.5) over sqrt(4)
    assert m["aggregate_reward_score_stderr"] == pytest.approx(se)
    doc = _results(res.run_dir)
    assert doc["results"]["custom|gen_qa_gen_qa|0"]["aggregate_reward_score"] == 0.75
    assert doc["results"]["all"]["processor_errors"] == 0


def test_gen_qa_rft_with_a_local_reward_file_and_sum(tmp_path):
    (tmp_path / "rw.py").write_text(
        "def lambda_handler(event, context):\n"
        "    return {'statusCode': 200, 'body': __import__('json').dumps([\n"
        "        {'id': s['id'], 'aggregate_reward_score': float(len(s['messages'])),\n"
        "         'metrics_list': []} for s in event])}\n", encoding="utf-8")
    recipe = write_recipe(tmp_path / "r.yaml", "processor:\n  lambda_type: rft\n"
                          "  path: rw.py\n  aggregation: sum\n")
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"query": "a", "response": "a", "system": "be brief"}, {"query": "b", "response": "b"}])
    res = assay.evaluate(recipe, _opts(), assay__model="mock/oracle", assay__data=str(data),
                         assay__output_dir=str(tmp_path / "runs"))
    # system + user + assistant = 3 turns, then user + assistant = 2: summed
    assert res.metrics["aggregate_reward_score"] == 5.0


@pytest.mark.slow
def test_example_recipe_with_the_embedded_model(tmp_path):
    recipe = _example_copy(tmp_path)
    res = assay.evaluate(recipe, _opts(), assay__model="local/smollm2", assay__limit=3,
                         assay__output_dir=str(tmp_path / "runs"))
    recs = list(res.records())
    assert len(recs) == 3 and all(r.error is None for r in recs), [r.error for r in recs]
    assert all(r.prediction for r in recs)
    for r in recs:
        assert r.metrics["aggregate_reward_score"] in (0.0, 1.0)
    assert 0.0 <= res.metrics["aggregate_reward_score"] <= 1.0
