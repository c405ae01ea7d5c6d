"""Judge reliability in the pointwise judge task: the probability-weighted (G-Eval) score from
token log-probabilities, ``--judge-samples K`` (mean, SD, range, disagreement; distinct
seeds; byte-identical reruns) and custom metrics referenced by their saved name."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pytest

from assay.backends.cache import cache_key
from assay.backends.mock import MockBackend
from assay.backends.types import Completion, InferenceRequest, TokenLogprob
from assay.cli.app import main
from assay.judges.pointwise import JudgeMetric, ScaleItem
from assay.judges.pointwise.library import save_metric
from assay.tasks.pointwise_judge.data import PointwiseDataset
from assay.tasks.pointwise_judge.geval import label_probabilities, value_start, weighted_score
from assay.tasks.pointwise_judge.sampling import (SAMPLE_TEMPERATURE, combine, reliability,
                                                  sample_seed)
from tests.conftest import write_jsonl

TONE = {"customMetricDefinition": {
    "name": "tone", "instructions": "Rate the tone of {{prediction}} for {{prompt}}.",
    "ratingScale": [{"definition": "warm", "value": {"stringValue": "Excellent"}},
                    {"definition": "neutral", "value": {"stringValue": "Good"}},
                    {"definition": "cold", "value": {"stringValue": "Poor"}}]}}
FIVE = JudgeMetric("five", "", "Rate {{prediction}}.",
                   tuple(ScaleItem(f"level {v}", float(v)) for v in range(1, 6)))
TEN = JudgeMetric("ten", "", "Rate {{prediction}}.",
                  tuple(ScaleItem(f"level {v}", float(v)) for v in range(1, 11)),
                  not_applicable="no answer")
LN = math.log


def _reply(rating: str) -> str:
    return json.dumps({"reasoning": f"because {rating}", "rating": rating})


def _tokens(text: str, top: list[tuple[str, float]], lead: str = "") -> tuple:
    """The text as three tokens: before the value (less ``lead``), the token that starts
    it (``lead`` + the first alternative), the rest."""
    start = value_start(text) - len(lead)
    first = top[0][0]
    n = len(first)
    return (TokenLogprob(text[:start], -0.1),
            TokenLogprob(first, top[0][1], tuple(top)),
            TokenLogprob(text[start + n:], -0.1))


# -- G-Eval: the extraction and the weighted score -------------------------------------------
def test_label_probabilities_renormalise_over_the_labels():
    text = _reply("4")
    toks = _tokens(text, [("4", LN(0.5)), ("3", LN(0.2)), ("5", LN(0.1)), ("Hi", LN(0.1))])
    p = label_probabilities(text, toks, FIVE.labels)
    assert p == pytest.approx({"1": 0, "2": 0, "3": 0.25, "4": 0.625, "5": 0.125})
    # scores (v - 1) / 4: 0.625 * 0.75 + 0.25 * 0.5 + 0.125 * 1
    assert weighted_score(FIVE, p) == pytest.approx(0.71875)


def test_lead_quote_closed_values_and_ambiguous_prefixes():
    text = _reply("1")
    # the token carries the opening quote; `1` alone could be 1 or 10 (dropped), `1"` and
    # ` "2"` close the value (exact labels), `N/` is a prefix of N/A only
    toks = _tokens(text, [(' "1"', LN(0.4)), (' "1', LN(0.2)), (' "2"', LN(0.2)),
                          (' "N/', LN(0.2))], lead=' "')
    assert toks[1].token == ' "1"' and toks[0].token.endswith(":")
    p = label_probabilities(text, toks, TEN.labels)
    assert p["1"] == pytest.approx(0.5) and p["2"] == pytest.approx(0.25)
    assert p["N/A"] == pytest.approx(0.25) and p["10"] == 0
    # N/A is left out of the weighted score: (0.5 * 0 + 0.25 * 1/9) / 0.75
    assert weighted_score(TEN, p) == pytest.approx((0.25 / 9) / 0.75)


def test_free_text_rating_line_and_no_mapping():
    metric = JudgeMetric("tone", "", "Rate {{prediction}}.",
                         (ScaleItem("warm", "Excellent"), ScaleItem("neutral", "Good"),
                          ScaleItem("cold", "Poor")))
    text = "It is friendly enough.\nRating: Good"
    toks = _tokens(text, [("\u2581Good", LN(0.6)), ("\u2581Ex", LN(0.3)),
                          ("\u2581excellent", LN(0.05)), ("\u2581Bad", LN(0.05))], lead=" ")
    p = label_probabilities(text, toks, metric.labels)
    assert p == pytest.approx({"Excellent": 0.35 / 0.95, "Good": 0.6 / 0.95, "Poor": 0})
    assert weighted_score(metric, p) == pytest.approx(0.35 / 0.95 + 0.5 * 0.6 / 0.95)
    only_bad = _tokens(text, [("\u2581Bad", LN(0.9))], lead=" ")
    assert label_probabilities(text, only_bad, metric.labels) is None
    assert label_probabilities(text, None, metric.labels) is None
    assert label_probabilities("no rating here", toks, metric.labels) is None
    assert weighted_score(metric, None) is None


# -- end to end ------------------------------------------------------------------------------
def _rows(n: int = 4) -> list[dict]:
    return [{"prompt": f"q{i}", "referenceResponse": f"ref{i}", "category": "ab"[i % 2],
             "modelResponses": [{"response": f"resp{i}", "modelIdentifier": "m1"}]}
            for i in range(n)]


def _run(tmp: Path, script: dict[str, str], *, custom=("tone.json",), extra_args=(),
         name: str = "pw") -> tuple[int, Path]:
    (tmp / "tone.json").write_text(json.dumps(TONE), encoding="utf-8")
    recipe = tmp / "r.yaml"
    recipe.write_text("run:\n  name: pw\nevaluation:\n  task: llm_judge_pointwise\n"
                      "inference:\n  max_new_tokens: 64\nassay:\n  seed: 3\njudge:\n"
                      f"  metrics: []\n  custom_metrics: {json.dumps(list(custom))}\n",
                      encoding="utf-8")
    data = write_jsonl(tmp / "d.jsonl", _rows())
    ids = [s.id for s in PointwiseDataset(data).iter_samples()]
    lines = [{"id": key.format(*ids), "text": text} for key, text in script.items()]
    file = write_jsonl(tmp / "script.jsonl", lines)
    code = main(["run", str(recipe), "--data", str(data), "-m", "byoi", "--judge",
                 "mock/script", "-J", f"file={file}", "--output-dir", str(tmp / name),
                 "--quiet", "--allow-failures", "--overwrite", *extra_args])
    return code, tmp / name / "pw"


def _read(run: Path) -> tuple[dict, list[dict]]:
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    return json.loads((run / "metrics.json").read_text()), recs


TOPS = {"Excellent": [("Excellent", LN(0.6)), ("Good", LN(0.2)), ("Poor", LN(0.2))],
        "Good": [("Good", LN(0.6)), ("Excellent", LN(0.3)), ("Poor", LN(0.1))],
        "Poor": [("Poor", LN(0.5)), ("Good", LN(0.5))]}


def test_weighted_score_end_to_end_with_logprobs(tmp_path, monkeypatch):
    seen = []
    original = MockBackend.complete

    def complete(self, request):
        c = original(self, request)
        seen.append(request.settings.top_logprobs)
        label = json.loads(c.text)["rating"]
        return Completion(text=c.text, logprobs=_tokens(c.text, TOPS[label]),
                          finish_reason="stop")

    monkeypatch.setattr(MockBackend, "complete", complete)
    answers = ["Excellent", "Good", "Poor", "Good"]
    code, run = _run(tmp_path, {f"{{{i}}}:tone": _reply(a) for i, a in enumerate(answers)})
    assert code == 0
    m, recs = _read(run)
    assert set(seen) == {5} and m["judge_mode"]["top_logprobs"] == 5   # the default
    per = {"Excellent": 0.6 + 0.2 * 0.5, "Good": 0.3 + 0.6 * 0.5, "Poor": 0.5 * 0.5}
    weighted = [per[a] for a in answers]
    assert [r["ratings"]["tone"]["weighted_score"] for r in recs] == pytest.approx(weighted)
    assert recs[1]["ratings"]["tone"]["label_probs"] == pytest.approx(
        {"Excellent": 0.3, "Good": 0.6, "Poor": 0.1})
    w = m["metrics"]["tone"]["weighted"]
    assert w["n"] == 4 and w["value"] == pytest.approx(statistics.fmean(weighted))
    assert w["ci_low"] <= w["value"] <= w["ci_high"]
    assert m["metrics"]["tone"]["value"] == pytest.approx((1 + 0.5 + 0 + 0.5) / 4)
    seg = m["groups"]["category"]["b"]["metrics"]["tone"]["weighted"]   # examples 1 and 3
    assert seg["n"] == 2 and seg["value"] == pytest.approx(per["Good"])


def test_plain_mock_logprobs_give_the_discrete_score(tmp_path):
    code, run = _run(tmp_path, {f"{{{i}}}:tone": _reply("Good") for i in range(4)})
    m, recs = _read(run)
    assert recs[0]["ratings"]["tone"]["label_probs"] == {"Excellent": 0, "Good": 1,
                                                         "Poor": 0}
    assert m["metrics"]["tone"]["weighted"]["value"] == pytest.approx(0.5)


SAMPLES = [["Excellent", "Excellent", "Excellent"], ["Excellent", "Good", "Poor"],
           ["Good", "Good", "Poor"], ["Good", None, "Good"]]   # None: an unparseable reply


def _sample_script() -> dict[str, str]:
    return {f"{{{i}}}:tone#{s}": (_reply(a) if a else "no idea")
            for i, row in enumerate(SAMPLES) for s, a in enumerate(row)}


def test_judge_samples_mean_sd_and_disagreement(tmp_path, monkeypatch):
    requests: list[InferenceRequest] = []
    original = MockBackend.complete

    def complete(self, request):
        requests.append(request)
        return original(self, request)

    monkeypatch.setattr(MockBackend, "complete", complete)
    code, run = _run(tmp_path, _sample_script(), extra_args=("--judge-samples", "3"))
    assert code == 0
    m, recs = _read(run)
    score = {"Excellent": 1.0, "Good": 0.5, "Poor": 0.0}
    scored = [[score[a] for a in row if a] for row in SAMPLES]
    tone = [r["ratings"]["tone"] for r in recs]
    assert [t["score"] for t in tone] == pytest.approx([statistics.fmean(s) for s in scored])
    assert [t["sd"] for t in tone] == pytest.approx([statistics.stdev(s) for s in scored])
    assert [t["range"] for t in tone] == [0.0, 1.0, 0.5, 0.0]
    assert [t["n_scored"] for t in tone] == [3, 3, 3, 2] and tone[3]["n_unparseable"] == 1
    assert tone[2]["label"] == "Good" and tone[3]["status"] == "scored"
    assert [x["status"] for x in tone[3]["samples"]] == ["scored", "unparseable", "scored"]
    s = m["metrics"]["tone"]
    assert s["value"] == pytest.approx(statistics.fmean(statistics.fmean(x) for x in scored))
    rel = s["samples"]
    assert rel["k"] == 3 and rel["n_examples"] == 4
    assert rel["mean_sd"] == pytest.approx(statistics.fmean(statistics.stdev(x) for x in scored))
    assert rel["share_disagree"] == 0.5 and rel["n_unparseable_samples"] == 1
    assert rel["n_samples"] == 12 and rel["n_failed_samples"] == 0
    assert rel["icc"] is not None and -1 <= rel["icc"] <= 1
    assert s["labels"] == {"Excellent": 4, "Good": 5, "Poor": 2}   # every sample's label
    assert "samples" in m["groups"]["category"]["a"]["metrics"]["tone"]
    # the samples: temperature > 0 (inference.temperature is 0), distinct seeds, distinct
    # cache keys; sample 0 keeps the run seed
    js = m["judge_samples"]
    assert js["k"] == 3 and js["temperature"] == SAMPLE_TEMPERATURE
    assert "inference.temperature is 0" in js["temperature_source"]
    assert js["seeds"] == [3, sample_seed(3, 1), sample_seed(3, 2)] and len(set(js["seeds"])) == 3
    assert len(requests) == 12
    assert {r.settings.temperature for r in requests} == {SAMPLE_TEMPERATURE}
    first = [r for r in requests if r.extra["index"] == 0]
    assert sorted(r.settings.seed for r in first) == sorted(js["seeds"])
    assert len({cache_key({"m": 1}, r) for r in first}) == 3


def test_judge_samples_rerun_is_byte_identical(tmp_path):
    code, run = _run(tmp_path, _sample_script(), extra_args=("--judge-samples", "3"))
    first = (run / "metrics.json").read_bytes()
    code2, run2 = _run(tmp_path, _sample_script(), extra_args=("--judge-samples", "3"),
                       name="again")
    assert code == code2 == 0
    assert (run2 / "metrics.json").read_bytes() == first
    assert sample_seed(3, 1) == sample_seed(3, 1) != sample_seed(4, 1)


def test_combine_and_reliability_from_records():
    def r(label, score, status="scored"):
        return {"status": status, "label": label, "value": label, "score": score,
                "explanation": "", "raw": "", "problem": None, "weighted_score": score,
                "label_probs": None}

    failed = combine([r(None, None, "failed"), r(None, None, "failed")])
    assert failed["status"] == "failed" and failed["score"] is None and failed["sd"] is None
    a = combine([r("2", 0.5), r("2", 0.5)])
    b = combine([r("1", 0.0), r("3", 1.0)])
    assert (a["sd"], b["sd"]) == (0.0, pytest.approx(math.sqrt(0.5)))
    assert b["label"] == "1" and b["weighted_score"] == 0.5
    rel = reliability([a, b, failed], 2)
    assert rel["share_disagree"] == 0.5 and rel["n_failed_samples"] == 2
    assert rel["mean_sd"] == pytest.approx(math.sqrt(0.5) / 2)
    # ICC(1) of [[.5, .5], [0, 1]]: MSB = 0, MSW = 0.25 -> -1
    assert rel["icc"] == pytest.approx(-1.0)


# -- saved custom metrics --------------------------------------------------------------------
def test_custom_metric_by_saved_name(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_METRICS_DIR", str(tmp_path / "lib"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "tone_def.json").write_text(json.dumps(TONE), encoding="utf-8")
    save_metric(src / "tone_def.json")
    code, run = _run(tmp_path, {f"{{{i}}}:tone": _reply("Poor") for i in range(4)},
                     custom=("tone",))
    assert code == 0
    m, _recs = _read(run)
    assert m["metrics"]["tone"]["value"] == 0.0 and m["metrics"]["tone"]["n"] == 4
    assert "tone" in (run / "custom_metrics.json").read_text()


def test_unknown_saved_name_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSAY_METRICS_DIR", str(tmp_path / "lib"))
    (tmp_path / "r.yaml").write_text(
        "evaluation:\n  task: llm_judge_pointwise\njudge:\n  custom_metrics: [nosuch]\n",
        encoding="utf-8")
    data = write_jsonl(tmp_path / "d.jsonl", _rows())
    assert main(["run", str(tmp_path / "r.yaml"), "--data", str(data), "-m", "byoi",
                 "--judge", "mock/echo", "--output-dir", str(tmp_path / "out"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nosuch" in err and "judge.custom_metrics[0]" in err and len(err.splitlines()) == 1



def test_a_sampled_token_that_does_not_decide_the_label_gives_no_weighted_score():
    """The comprehensiveness scale is 10/3/1: a judge that wrote 10 sampled `1` first, which
    could still become 1 or 10; weighing only `3` (the one alternative that decides) would
    contradict the rating given, so there is no weighted score."""
    scale = JudgeMetric("comp", "", "Rate {{prediction}}.",
                        (ScaleItem("very", 10.0), ScaleItem("mildly", 3.0),
                         ScaleItem("not", 1.0)))
    text = _reply("10")
    toks = _tokens(text, [(' "1', LN(0.6)), (' "3', LN(0.3))], lead=' "')
    assert label_probabilities(text, toks, scale.labels) is None
    assert weighted_score(scale, label_probabilities(text, toks, scale.labels)) is None
