"""Compare, list and query runs from Python, through the top-level package."""

from __future__ import annotations

import assay
from tests.conftest import write_jsonl, write_recipe


def test_compare_list_and_query_from_python(tmp_path):
    rows = [{"id": f"r{i}", "query": f"q {i}", "response": f"q {i}"} for i in range(40)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    opts = assay.RunOptions(progress="none", print_summary=False)
    runs = tmp_path / "runs"
    a = assay.evaluate(recipe, opts, assay__data=str(data), assay__output_dir=str(runs),
                       assay__model="mock/echo", run__name="a")
    b = assay.evaluate(recipe, opts, assay__data=str(data), assay__output_dir=str(runs),
                       assay__model="mock/constant", run__name="b")
    doc = assay.compare.compare_runs(assay.compare.load_compared_run(a.run_dir),
                                     assay.compare.load_compared_run(b.run_dir))
    em = doc["metrics"]["em"]
    assert (em["a"], em["b"], em["difference"]) == (1.0, 0.0, -1.0)
    assert em["verdict"] == assay.compare.WORSE
    assert sorted(r.name for r in assay.list_runs(runs)) == ["a", "b"]
    got = assay.query_run(a.run_dir, "SELECT count(*) AS n, avg(metrics['em']) AS em "
                                     "FROM examples").records()
    assert got == [{"n": 40, "em": 1.0}]
