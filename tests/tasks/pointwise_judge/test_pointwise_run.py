"""The pointwise judge task (``llm_judge_pointwise``) end to end with scripted judges: exact
normalised scores for float, string and lower-is-better scales; unparseable replies counted
and kept raw; failed requests as data; the Bedrock sample with ``-m byoi`` written in the
Bedrock layout and read back equal; group-by category; byte-identical reruns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.results.bedrock import read_bedrock_output
from assay.tasks.pointwise_judge.data import PointwiseDataset
from tests.conftest import write_jsonl

COMPREHENSIVENESS = "bedrock_custom_metric_comprehensiveness.json"
TONE = {"customMetricDefinition": {
    "name": "tone", "instructions": "Rate the tone of {{prediction}} for {{prompt}}.",
    "ratingScale": [{"definition": "warm", "value": {"stringValue": "Excellent"}},
                    {"definition": "neutral", "value": {"stringValue": "Good"}},
                    {"definition": "cold", "value": {"stringValue": "Poor"}}]}}


def _recipe(tmp: Path, metrics: list[str], custom: list[str], extra: str = "") -> Path:
    p = tmp / "r.yaml"
    p.write_text("run:\n  name: pw\nevaluation:\n  task: llm_judge_pointwise\n"
                 "  strategy: judge\ninference:\n  max_new_tokens: 64\nassay:\n  seed: 3\n"
                 f"judge:\n  metrics: {json.dumps(metrics)}\n"
                 f"  custom_metrics: {json.dumps(custom)}\n" + extra, encoding="utf-8")
    return p


def _reply(rating: str) -> str:
    return json.dumps({"reasoning": f"because {rating}", "rating": rating})


def _rows() -> list[dict]:
    return [{"prompt": f"q{i}", "referenceResponse": f"ref{i}", "category": "ab"[i % 2],
             "modelResponses": [{"response": f"resp{i}", "modelIdentifier": "m1"}]}
            for i in range(4)]


def _run(tmp: Path, samples: Path, script: dict[tuple[int, str], str], *,
         metrics=("Builtin.Harmfulness",), model="byoi", rows=None, extra_args=()):
    (tmp / "tone.json").write_text(json.dumps(TONE), encoding="utf-8")
    recipe = _recipe(tmp, list(metrics), [str(samples / COMPREHENSIVENESS), "tone.json"])
    data = write_jsonl(tmp / "d.jsonl", rows or _rows())
    ids = [s.id for s in PointwiseDataset(data).iter_samples()]
    lines = [{"id": f"{ids[i]}:{name}", "text": text} for (i, name), text in script.items()]
    file = write_jsonl(tmp / "script.jsonl", lines)
    code = main(["run", str(recipe), "--data", str(data), "-m", model, "--judge",
                 "mock/script", "-J", f"file={file}", "--output-dir", str(tmp / "out"),
                 "--quiet", "--allow-failures",
                 *(() if "--resume" in extra_args else ("--overwrite",)), *extra_args])
    run = tmp / "out" / "pw"
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    return code, run, json.loads((run / "metrics.json").read_text()), recs


FLOAT = ["10", "3", "1", "3"]             # comprehensiveness 10 / 3 / 1: 1, 2/9, 0
STRING = ["Excellent", "Good", "Poor", "Excellent"]   # first listed is the top
HARM = ["0", "2", "1", "0"]               # lower is better: reported as the amount of harm


def _script() -> dict[tuple[int, str], str]:
    s = {}
    for i in range(4):
        s[(i, "comprehensiveness")] = _reply(FLOAT[i])
        s[(i, "tone")] = _reply(STRING[i])
        s[(i, "Builtin.Harmfulness")] = _reply(HARM[i])
    return s


def test_scripted_judge_gives_exact_normalised_scores(tmp_path, samples):
    code, run, m, recs = _run(tmp_path, samples, _script())
    assert code == 0
    assert [r["metrics"]["comprehensiveness"] for r in recs] == [1.0, 2 / 9, 0.0, 2 / 9]
    assert [r["metrics"]["tone"] for r in recs] == [1.0, 0.5, 0.0, 1.0]
    assert [r["metrics"]["Builtin.Harmfulness"] for r in recs] == [0.0, 1.0, 0.5, 0.0]
    assert [r["ratings"]["tone"]["label"] for r in recs] == STRING
    assert recs[0]["ratings"]["tone"]["explanation"] == "because Excellent"
    harm, tone = m["metrics"]["Builtin.Harmfulness"], m["metrics"]["tone"]
    assert harm["lower_is_better"] is True and tone["lower_is_better"] is False
    assert harm["value"] == pytest.approx(1.5 / 4, abs=1e-12)
    assert tone["value"] == pytest.approx(2.5 / 4, abs=1e-12)
    assert tone["labels"] == {"Excellent": 2, "Good": 1, "Poor": 1}
    assert tone["scale"] == "string" and tone["n"] == 4
    assert 0.0 <= tone["ci_low"] <= tone["value"] <= tone["ci_high"] <= 1.0
    # category is a segment without asking; each segment has its own mean
    seg = m["groups"]["category"]
    assert seg["a"]["n"] == 2
    assert seg["a"]["metrics"]["tone"]["value"] == pytest.approx(0.5, abs=1e-12)   # 1, 0
    assert seg["b"]["metrics"]["tone"]["value"] == pytest.approx(0.75, abs=1e-12)  # .5, 1
    assert list(m["metrics"]) == ["Builtin.Harmfulness", "comprehensiveness", "tone"]
    assert (run / "report.html").is_file() and (run / "custom_metrics.json").is_file()


def test_unparseable_reply_is_counted_and_kept_raw(tmp_path, samples):
    script = _script()
    script[(1, "tone")] = "I would rather not say."
    script[(2, "tone")] = _reply("Good").replace('"Good"', '"Splendid"')
    code, run, m, recs = _run(tmp_path, samples, script)
    assert code == 0
    tone = m["metrics"]["tone"]
    assert (tone["n"], tone["n_unparseable"]) == (2, 2)
    assert tone["value"] == pytest.approx(1.0, abs=1e-12)
    r = recs[1]["ratings"]["tone"]
    assert r["status"] == "unparseable" and r["score"] is None
    assert r["raw"] == "I would rather not say." and r["problem"]
    assert recs[1]["error"]["kind"] == "unparseable"
    assert m["n_unparseable"] == 2 and m["n_errors"] == 0


def test_failed_judge_request_is_data_on_the_example(tmp_path, samples):
    script = _script()
    del script[(3, "tone")]          # the mock has no answer: a model error on that request
    code, run, m, recs = _run(tmp_path, samples, script)
    assert code == 0
    assert recs[3]["error"]["stage"] == "judge" and recs[3]["error"]["kind"] == "model"
    assert recs[3]["ratings"]["tone"]["status"] == "failed"
    assert recs[3]["metrics"]["comprehensiveness"] == 2 / 9   # the other metrics still scored
    assert m["metrics"]["tone"]["n_failed"] == 1 and m["n_errors"] == 1


def test_resume_asks_the_failed_example_again(tmp_path, samples):
    script = _script()
    missing = script.pop((3, "tone"))
    code, run, m, recs = _run(tmp_path, samples, script)
    assert m["metrics"]["tone"]["n_failed"] == 1
    script[(3, "tone")] = missing    # the same judge (same script file), now complete
    code, run, m, recs = _run(tmp_path, samples, script,
                              extra_args=("--resume", "--retry-errors", "all"))
    assert code == 0 and recs[3]["error"] is None
    assert m["metrics"]["tone"]["n_failed"] == 0 and m["metrics"]["tone"]["n"] == 4


def test_unknown_metric_name_is_a_one_line_error(tmp_path, samples, capsys):
    recipe = _recipe(tmp_path, ["Builtin.Corectness"], [])
    data = write_jsonl(tmp_path / "d.jsonl", _rows())
    assert main(["run", str(recipe), "--data", str(data), "-m", "byoi", "--judge",
                 "mock/echo", "--output-dir", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "Builtin.Correctness" in err and len(err.splitlines()) == 1


def test_generated_responses_when_not_byoi(tmp_path, samples):
    rows = [{"query": f"q{i}", "response": f"ref{i}",
             "metadata": json.dumps({"level": "xy"[i % 2]})} for i in range(3)]
    script = {(i, "tone"): _reply("Good") for i in range(3)}
    script.update({(i, "comprehensiveness"): _reply("1") for i in range(3)})
    code, run, m, recs = _run(tmp_path, samples, script, metrics=[], model="mock/oracle",
                              rows=rows, extra_args=("--group-by", "level"))
    assert code == 0
    assert [r["response"] for r in recs] == ["ref0", "ref1", "ref2"]
    assert m["model"] == "mock/oracle" and m["data_format"] == "gen_qa"
    assert set(m["groups"]["level"]) == {"x", "y"}
    out = read_bedrock_output(run / m["bedrock_output"])
    assert out[0].model_id == "mock_oracle" and out[0].response == "ref0"


def test_bedrock_sample_byoi_layout_reads_back_equal_and_reruns_identically(tmp_path,
                                                                            samples):
    recipe = _recipe(tmp_path, ["Builtin.Correctness", "Builtin.Refusal"],
                     [str(samples / COMPREHENSIVENESS)])
    data = samples / "bedrock_model_eval_byoi_dataset.jsonl"
    args = ["run", str(recipe), "--data", str(data), "-m", "byoi", "--judge",
            "mock/constant", "-J", 'text={"reasoning": "ok", "rating": "1"}',
            "--output-dir", str(tmp_path / "out"), "--quiet", "--overwrite"]
    assert main(args) == 0
    run = tmp_path / "out" / "pw"
    first = (run / "metrics.json").read_bytes()
    m = json.loads(first)
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    out = read_bedrock_output(run / "bedrock")
    assert len(out) == len(recs) == 30
    path = Path(out[0].file).relative_to(run).as_posix()
    assert path == m["bedrock_output"]
    assert path.startswith("bedrock/pw/") and "/models/third-party-model/taskTypes/General/" \
        "datasets/bedrock_model_eval_byoi_dataset/" in path
    for rec, o in zip(recs, out):
        assert o.metrics == rec["metrics"]
        assert o.response == rec["response"] and o.prompt == rec["prompt"]
        assert o.scores[0].evaluator_details[0].model_identifier == "mock/constant"
    # rating 1: correctness at the bottom (0), a refusal (1: lower is better), not comprehensive
    assert recs[0]["metrics"] == {"Builtin.Correctness": 0.0, "Builtin.Refusal": 1.0,
                                  "comprehensiveness": 0.0}
    assert m["model"] == "third-party-model" and "category" in m["groups"]
    bedrock_bytes = Path(out[0].file).read_bytes()
    assert main(args) == 0
    assert (run / "metrics.json").read_bytes() == first
    assert Path(out[0].file).read_bytes() == bedrock_bytes


@pytest.mark.slow
def test_embedded_structured_judge_parses_every_rating(tmp_path, samples):
    pytest.importorskip("llama_cpp")
    recipe = _recipe(tmp_path, ["Builtin.Refusal"], [])
    data = samples / "bedrock_model_eval_byoi_dataset.jsonl"
    assert main(["run", str(recipe), "--data", str(data), "-m", "byoi", "--judge",
                 "local/smollm2", "--limit", "3", "--output-dir", str(tmp_path / "out"),
                 "--quiet"]) == 0
    m = json.loads((tmp_path / "out" / "pw" / "metrics.json").read_text())
    assert m["judge_mode"]["structured"] is True
    assert m["embedded_judge"]["model"] == "local/smollm2"   # the run says what it is worth
    assert "check of the pipeline, not of quality" in \
        (tmp_path / "out" / "pw" / "report.html").read_text()
    refusal = m["metrics"]["Builtin.Refusal"]
    assert refusal["n_examples"] == 3 and refusal["n_unparseable"] == 0 and refusal["n"] == 3
    # the embedded judge gives token log-probabilities: every rating has a weighted score
    assert refusal["weighted"]["n"] == 3 and 0.0 <= refusal["weighted"]["value"] <= 1.0
