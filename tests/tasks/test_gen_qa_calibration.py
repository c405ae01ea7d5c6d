"""Confidence and calibration of a gen_qa run end to end on the scripted mock backend (which
gives deterministic token logprobs): per-example confidence in every output, the
``calibration`` block of metrics.json equal to calibration_summary over the records, seeded
and byte-identical on a rerun, the console block, the report section, and the skip paths."""

from __future__ import annotations

import ast
import json

import pyarrow.parquet as pq
import pytest

import assay
from assay.results.json_io import clean_floats
from assay.stats.reliability import calibration_summary
from tests.conftest import write_jsonl, write_recipe

pytestmark = pytest.mark.timeout(300)
ANSWERS = ["yes", "no", "maybe", "yes", "no"]


def _data(tmp_path, n=30):
    return write_jsonl(tmp_path / "d.jsonl", [
        {"query": f"q{i}", "response": "yes" if i % 3 else "no",
         "metadata": json.dumps({"d": "ab"[i % 2]})} for i in range(n)])


def _run(tmp_path, name, calibration="", extra="", top=3, out="runs", answers=ANSWERS):
    recipe = write_recipe(
        tmp_path / f"{name}.yaml",
        f"  top_logprobs: {top}\nassay:\n  seed: 11\n  model: mock/script\n"
        f"  model_args: {{responses: {json.dumps(answers)}}}\n  group_by: [d]\n"
        + extra + (f"  calibration:\n{calibration}" if calibration else ""))
    return assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                   overwrite=True),
                          assay__data=str(_data(tmp_path)),
                          assay__output_dir=str(tmp_path / out))


def _records(run):
    return [json.loads(x) for x in (run.run_dir / "examples.jsonl").read_text().splitlines()]


def _same(a, b):
    return json.dumps(clean_floats(a), sort_keys=True) == json.dumps(clean_floats(b),
                                                                      sort_keys=True)


CHOICES = "  response_choices: [\"yes\", \"no\", \"maybe\"]\n"


def test_label_confidence_over_choices_and_the_overconfident_errors(tmp_path):
    res = _run(tmp_path, "r", calibration="    low_confidence_k: 3\n", extra=CHOICES)
    cal = res.summary["calibration"]
    recs = _records(res)
    # the mock's alternatives ("yes#1", ...) are no label: each label has probability 1
    assert all(r["confidence"]["label"] == r["prediction"] for r in recs)
    assert all(r["confidence"]["label_probability"] == 1.0 for r in recs)
    assert cal["metric"] == "em" and cal["metric_source"] == "default"
    assert cal["confidence"] == "auto" and cal["confidence_sources"] == {"label": 30}
    y = [r["metrics"]["em"] for r in recs]
    expect = calibration_summary([1.0] * 30, y, n_bins=10, seed=11)
    assert _same(cal["overall"], expect)
    wrong = [i for i, v in enumerate(y) if v == 0]
    assert cal["n_overconfident_errors"] == len(wrong)
    assert [e["index"] for e in cal["overconfident_errors"]] == wrong[:3]   # ties: by index
    first = cal["overconfident_errors"][0]
    assert first == {"id": recs[wrong[0]]["id"], "index": wrong[0], "confidence": 1.0,
                     "correct": 0, "prediction": recs[wrong[0]]["prediction"]}
    assert [e["index"] for e in cal["lowest_confidence"]] == [0, 1, 2]
    for seg in ("a", "b"):
        idx = [i for i, r in enumerate(recs) if json.loads(r["metadata_raw"])["d"] == seg]
        assert _same(cal["groups"]["d"][seg],
                     calibration_summary([1.0] * len(idx), [y[i] for i in idx], seed=11))


def test_first_token_confidence_summary_lists_and_a_byte_identical_rerun(tmp_path):
    cfg = "    metric: em\n    confidence: first_token\n    low_confidence_k: 4\n" \
          "    overconfident_threshold: 0.05\n    n_bins: 5\n"
    answers = ["yes it is", "no", "maybe so", "no way", "yes"]
    res = _run(tmp_path, "r", calibration=cfg, answers=answers)
    cal = res.summary["calibration"]
    recs = _records(res)
    p = [r["confidence"]["first_token_prob"] for r in recs]
    y = [r["metrics"]["em"] for r in recs]
    assert len(set(p)) > 1 and cal["metric_source"] == "recipe"
    assert _same(cal["overall"], calibration_summary(p, y, n_bins=5, seed=11))
    low = sorted(range(30), key=lambda i: (p[i], i))[:4]
    assert [e["index"] for e in cal["lowest_confidence"]] == low
    over = sorted((i for i in range(30) if y[i] == 0 and p[i] >= 0.05),
                  key=lambda i: (-p[i], i))
    assert cal["n_overconfident_errors"] == len(over)
    assert [e["index"] for e in cal["overconfident_errors"]] == over[:4]
    again = _run(tmp_path, "r", calibration=cfg, answers=answers, out="runs2")
    a = (res.run_dir / "metrics.json").read_bytes()
    b = (again.run_dir / "metrics.json").read_bytes()
    assert a == b


def test_confidence_is_in_the_native_and_nova_outputs(tmp_path):
    res = _run(tmp_path, "r", extra=CHOICES)
    recs = _records(res)
    table = pq.read_table(res.run_dir / "examples.parquet").to_pylist()
    assert [r["confidence"] for r in table] == [r["confidence"] for r in recs]
    details = pq.read_table(res.paths["details"]).to_pylist()
    assert [ast.literal_eval(d["confidence"]) for d in details] == \
        [r["confidence"] for r in recs]
    assert list(pq.read_schema(res.paths["details"]).names)[-2:] == ["pred_logprobs",
                                                                     "confidence"]
    lp = ast.literal_eval(details[0]["pred_logprobs"])
    assert lp == [[{t["token"]: t["logprob"] for t in recs[0]["logprobs"][0]["top"]}]]


def test_console_block_names_metric_and_confidence(tmp_path, capsys):
    recipe = write_recipe(tmp_path / "r.yaml", "  top_logprobs: 2\nassay:\n  seed: 1\n")
    assay.evaluate(recipe, assay.RunOptions(progress="none"), assay__data=str(_data(tmp_path)),
                   assay__output_dir=str(tmp_path / "runs"), assay__model="mock/echo")
    out = capsys.readouterr().out
    assert "calibration: correct = em, the first 0/1 metric; confidence = auto" in out
    assert "ECE " in out and "Brier " in out and "AUROC " in out
    assert "overconfident errors (wrong with confidence >= 0.80): " in out


@pytest.mark.parametrize("top,extra,cfg,reason", [
    (0, "", "", "no example has token logprobs; set inference.top_logprobs"),
    (3, "  metrics: [f1, rouge1]\n", "", "no per-example metric has only 0/1 values"),
    (3, "", "    metric: f1\n", "assay.calibration.metric 'f1' has values other than 0 and 1"),
    (3, "", "    metric: nope\n", "'nope' is not a per-example metric of this run"),
    (3, "", "    confidence: label\n", "no scored example has a label probability"),
])
def test_calibration_skips_with_a_reason(tmp_path, capsys, top, extra, cfg, reason):
    res = _run(tmp_path, "r", calibration=cfg, extra=extra, top=top,
               answers=["yes no", "no", "yes yes"])
    cal = json.loads((res.run_dir / "metrics.json").read_text())["calibration"]
    assert reason in cal["skipped"] and "overall" not in cal
    from assay.reports.calibration_console import print_calibration
    from assay.tasks.gen_qa.report import write_gen_qa_report

    print_calibration(cal)
    assert "calibration: skipped (" in capsys.readouterr().out
    html = write_gen_qa_report(res.run_dir).read_text(encoding="utf-8")
    assert "<h2 id='calibration'>Calibration</h2><p class='muted'>not computed: " in html


def test_report_section_has_the_diagram_and_escapes_model_text(tmp_path):
    from assay.tasks.gen_qa.report import write_gen_qa_report

    evil = "<script>alert(1)</script>"
    res = _run(tmp_path, "r", answers=[evil, "no", "yes"],
               calibration="    confidence: first_token\n    low_confidence_k: 30\n")
    html = write_gen_qa_report(res.run_dir).read_text(encoding="utf-8")
    section = html[html.index("<h2 id='calibration'>"):html.index("<h2 id='examples'>")]
    assert "alt='reliability diagram' src='data:image/png;base64," in section
    assert "id='cal-metrics'" in section and "cal-seg" in section
    assert "Lowest confidence" in section and "Overconfident errors" in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section and evil not in html
    assert "href='#calibration'" in html
