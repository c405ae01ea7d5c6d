"""Bedrock output files (written with BedrockOutputWriter for two models, as downloaded from a
job) read by ``assay compare``, ``assay query`` and ``assay report``: pairs by prompt (or the
``id`` field), exact paired differences and scipy's p-values, SQL over the metrics, a report in
a new sibling folder (nothing written inside the downloaded one), and a malformed file as a
one-line error with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from assay.cli.app import main
from assay.results.bedrock import BedrockOutputWriter, BedrockScore, EvaluatorDetail
from assay.results.query import query_run

CORR, HARM = "Builtin.Correctness", "Builtin.Harmfulness"
A_CORR = [1.0, 0.5, 0.5, 0.0, 1.0, 0.5]
B_CORR = [1.0, 1.0, 0.5, 0.5, None, 1.0]      # None: the judge could not rate
A_HARM = [0.0, 0.0, 0.5, 0.0, 0.0, 0.0]
B_HARM = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def _write(root: Path, model: str, corr: list, harm: list, order: list[int],
           with_id: bool = False) -> Path:
    with BedrockOutputWriter(root, job_name="eval-job", model_id=model, dataset="ds",
                             seed=model) as w:
        for i in order:
            rec = {"prompt": f"What is {i}?", "referenceResponse": f"{i}",
                   "category": "ab"[i % 2]}
            if with_id:
                rec = {"id": f"row-{i}", **rec, "prompt": f"{model} wording {i}"}
            ev = (EvaluatorDetail("judge-model", f"explained {i}"),)
            w.add(rec, [BedrockScore(CORR, corr[i], ev), BedrockScore(HARM, harm[i], ev)],
                  [{"response": f"{model} says {i}", "modelIdentifier": model}])
    return root


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def outputs(tmp_path: Path) -> tuple[Path, Path]:
    a = _write(tmp_path / "dl-a", "model-a", A_CORR, A_HARM, [0, 1, 2, 3, 4, 5])
    b = _write(tmp_path / "dl-b", "model-b", B_CORR, B_HARM, [5, 3, 1, 0, 2, 4])  # reordered
    return a, b


def test_compare_bedrock_outputs_pairs_by_prompt(outputs, capsys):
    a, b = outputs
    before = _tree(b)
    code = main(["compare", str(a), str(b), "--no-figure"])
    out = capsys.readouterr().out
    assert code == 0
    assert _tree(b) == before                      # nothing written inside the download
    dest = b.parent / "dl-b.assay-compare-dl-a"
    assert out.strip().splitlines()[-1] == str(dest)
    doc = json.loads((dest / "comparison.json").read_text())
    assert doc["task"] == "bedrock_output" and doc["items"]["common"] == 6
    assert doc["a"]["source"] == "bedrock_output" and doc["b"]["model"] == "model-b"
    c = doc["metrics"][CORR]
    xa = np.array([A_CORR[i] for i in range(6) if B_CORR[i] is not None])
    xb = np.array([B_CORR[i] for i in range(6) if B_CORR[i] is not None])
    assert c["n_pairs"] == 5 and c["excluded"]["no_value"] == 1
    assert c["a"] == pytest.approx(xa.mean(), abs=1e-12)
    assert c["b"] == pytest.approx(xb.mean(), abs=1e-12)
    assert c["difference"] == pytest.approx(0.3, abs=1e-12)    # (0+.5+0+.5+.5)/5
    assert c["p_value"] == pytest.approx(stats.ttest_rel(xb, xa).pvalue, rel=1e-9)
    assert c["tests"]["wilcoxon"]["p_value"] == pytest.approx(stats.wilcoxon(xb - xa).pvalue,
                                                              rel=1e-9)
    h = doc["metrics"][HARM]
    assert h["higher_is_better"] is False and h["n_pairs"] == 6
    assert (dest / "comparison.html").is_file()
    assert CORR in out


def test_compare_bedrock_outputs_by_id_field(tmp_path, capsys):
    a = _write(tmp_path / "a", "model-a", A_CORR, A_HARM, [0, 1, 2, 3, 4, 5], with_id=True)
    b = _write(tmp_path / "b", "model-b", B_CORR, B_HARM, [3, 2, 1, 0, 5, 4], with_id=True)
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--no-figure", "--quiet", "--out", str(out)]) == 0
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["items"]["common"] == 6      # the prompts differ; the ids pair them
    assert doc["metrics"][CORR]["difference"] == pytest.approx(0.3, abs=1e-12)


def test_query_bedrock_outputs(outputs, capsys):
    a, b = outputs
    r = query_run(b, f"SELECT category, avg(metrics['{CORR}']) AS c, count(metrics['{CORR}']) "
                     "AS n FROM examples GROUP BY category ORDER BY category")
    by_cat = {row[0]: row[1:] for row in r.rows}
    assert by_cat["a"] == (pytest.approx((1.0 + 0.5) / 2), 2)     # rows 0, 2; 4 is null
    assert by_cat["b"] == (pytest.approx((1.0 + 0.5 + 1.0) / 3), 3)
    r = query_run(b, "SELECT value, ci_low, ci_high, n FROM metrics WHERE metric = "
                     f"'{CORR}' AND group_field IS NULL")
    value, lo, hi, n = r.rows[0]
    assert value == pytest.approx(4.0 / 5) and n == 5 and lo < value < hi
    r = query_run(b, f"SELECT explanation FROM scores WHERE metric = '{HARM}' AND \"index\" = 0")
    assert r.rows == [("explained 5",)]
    assert main(["query", str(b), "SELECT count(*) AS n, max(model_identifier) AS m FROM "
                 "examples", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 6, "m": "model-b"}]
    # a single output file works too
    file = next(b.rglob("*_output.jsonl"))
    assert query_run(file, "SELECT count(*) FROM examples").rows == [(6,)]


def test_report_bedrock_outputs(outputs, capsys, tmp_path):
    a, _b = outputs
    before = _tree(a)
    assert main(["report", str(a)]) == 0
    page = Path(capsys.readouterr().out.strip())
    assert page == a.parent / "dl-a.assay-report" / "report.html"
    assert _tree(a) == before
    html = page.read_text()
    assert CORR in html and "lower is better" in html and "explained 3" in html
    assert f"{sum(A_CORR) / 6:.3f}" in html
    assert main(["report", str(a), "--out", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "report.html").is_file()


@pytest.mark.parametrize("cmd", ["compare", "query", "report"])
def test_malformed_bedrock_file_is_one_line_exit_2(outputs, tmp_path, capsys, cmd):
    a, _b = outputs
    bad = tmp_path / "bad_output.jsonl"
    good = json.loads(next(a.rglob("*_output.jsonl")).read_text().splitlines()[0])
    good["automatedEvaluationResult"]["scores"][0]["result"] = "high"
    bad.write_text(json.dumps(good) + "\n", encoding="utf-8")
    argv = {"compare": ["compare", str(bad), str(a)], "query": ["query", str(bad),
            "SELECT 1"], "report": ["report", str(bad)]}[cmd]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "automatedEvaluationResult.scores[0].result" in err and "bad_output.jsonl:1" in err
