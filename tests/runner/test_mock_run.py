"""End-to-end runs on the scripted mock backend: outputs, layout, grouping, failures."""

from __future__ import annotations

import ast
import glob
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.errors import RunAborted, RunStateError
from tests.conftest import write_jsonl, write_recipe


def _data(tmp_path: Path, n: int = 30) -> Path:
    rows = []
    for i in range(n):
        rows.append({"query": f"question {i}", "response": f"the answer {i} is right here",
                     "system": "be brief",
                     "metadata": json.dumps({"difficulty": ["easy", "hard"][i % 2],
                                             "domain": f"d{i % 3}"})})
    return write_jsonl(tmp_path / "data.jsonl", rows)


def _run(tmp_path, **kw):
    recipe = write_recipe(tmp_path / "r.yaml")
    opts = assay.RunOptions(progress="none", print_summary=False,
                            overwrite=kw.pop("overwrite", True), resume=kw.pop("resume", False))
    base = {"assay__data": str(_data(tmp_path, kw.pop("n", 30))),
            "assay__output_dir": str(tmp_path / "runs"), "assay__model": "mock/oracle"}
    base.update(kw)
    return assay.evaluate(recipe, opts, **base)


def test_oracle_scores_perfectly_and_writes_every_output(tmp_path):
    res = _run(tmp_path, assay__group_by="difficulty,domain", inference__top_logprobs=3)
    m = res.metrics
    for name in ("em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2", "rougeL"):
        assert m[name] == pytest.approx(1.0) and m[name + "_stderr"] == pytest.approx(0.0)
    assert m["bleu"] == pytest.approx(100.0)
    run = res.run_dir
    results = glob.glob(str(run / "eval_results" / "results_*.json"))
    assert len(results) == 1
    doc = json.loads(Path(results[0]).read_text())
    assert set(doc["results"]) == {"custom|gen_qa_gen_qa|0", "all"}
    assert doc["results"]["all"] == doc["results"]["custom|gen_qa_gen_qa|0"]
    assert "em_stderr" in doc["results"]["all"]
    details = glob.glob(str(run / "eval_results" / "details" / "*" / "*" /
                            "details_custom|gen_qa_gen_qa|0_*.parquet"))
    assert len(details) == 1
    t = pq.read_table(details[0]).to_pylist()
    assert len(t) == 30
    assert ast.literal_eval(t[0]["predictions"]) == ["the answer 0 is right here"]
    assert json.loads(ast.literal_eval(t[0]["specifics"])["metadata"])["difficulty"] == "easy"
    lp = ast.literal_eval(t[0]["pred_logprobs"])
    assert len(lp) == 1 and all(len(pos) == 3 for pos in lp[0])
    inf = [json.loads(x) for x in (run / "eval_results" / "inference_output.jsonl").read_text().splitlines()]
    assert ast.literal_eval(inf[1]["prompt"])[0] == {"role": "system", "content": "be brief"}
    assert ast.literal_eval(inf[1]["inference"]) == ["the answer 1 is right here"] and "metadata" in inf[1]
    df = res.to_pandas()
    assert list(df["index"]) == list(range(30))
    assert df["metrics"].iloc[0]  # map column
    native = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    assert native[0]["logprobs"][0]["top"][0]["token"]
    groups = res.groups
    assert set(groups["difficulty"]) == {"easy", "hard"}
    assert groups["difficulty"]["easy"]["n"] == 15
    assert groups["domain"]["d0"]["metrics"]["em"]["value"] == 1.0


def test_failures_are_recorded_and_run_finishes(tmp_path):
    res = _run(tmp_path, assay__model="mock/echo", assay__model_args={"fail_every": 10},
               assay__max_failure_share=0.2)   # 10%: past the default share of 5%
    assert res.n_errors == 3 and res.n_examples == 30
    errs = [r for r in res.records() if r.error is not None]
    assert [r.index for r in errs] == [9, 19, 29]
    assert errs[0].error.stage == "inference" and "scripted failure" in errs[0].error.message
    assert res.summary["metrics"]["em"]["n"] == 27


def test_abort_past_failure_share(tmp_path):
    with pytest.raises(RunAborted):
        _run(tmp_path, n=60, assay__model="mock/echo",
             assay__model_args={"fail_every": 2}, assay__max_failure_share=0.2,
             assay__unit_size=10)


def test_existing_run_dir_needs_resume_or_overwrite(tmp_path):
    _run(tmp_path)
    with pytest.raises(RunStateError, match="--resume"):
        _run(tmp_path, overwrite=False)


def test_resume_with_different_settings_refused(tmp_path):
    _run(tmp_path)
    with pytest.raises(RunStateError, match="differ"):
        _run(tmp_path, overwrite=False, resume=True, inference__temperature=0.5)


def test_same_inputs_give_byte_identical_aggregates(tmp_path):
    a = _run(tmp_path, assay__model="mock/echo", assay__group_by="difficulty",
             assay__output_dir=str(tmp_path / "a"))
    b = _run(tmp_path, assay__model="mock/echo", assay__group_by="difficulty",
             assay__output_dir=str(tmp_path / "b"), assay__unit_size=7, assay__concurrency=3)
    assert (a.run_dir / "metrics.json").read_bytes() == (b.run_dir / "metrics.json").read_bytes()


def test_task_not_available(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("evaluation:\n  task: no_such_task\n  strategy: zs\n  metric: all\n")
    with pytest.raises(assay.UserInputError, match="task no_such_task is not available yet"):
        assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False))
