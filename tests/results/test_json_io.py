"""Every JSON file assay writes is strict JSON: NaN and infinities are written as null
(``assay.results.json_io``), and records read back give the same aggregates."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import assay
from assay.results.json_io import (clean_floats, dumps_strict, loads_record,
                                   restore_nonfinite, strict_loads)
from assay.results.native import NativeWriter, write_json
from assay.results.nova import NovaWriter, write_results_json
from assay.results.records import ExampleRecord
from assay.scorers.base import BaseScorer
from assay.scorers.registry import register_scorer
from tests.conftest import write_jsonl, write_recipe


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def _check_tree(run_dir: Path) -> int:
    """Parse every .json / .jsonl file under ``run_dir`` strictly; return how many."""
    n = 0
    for p in sorted(run_dir.rglob("*")):
        if p.suffix == ".json":
            _strict(p.read_text(encoding="utf-8"))
            n += 1
        elif p.suffix == ".jsonl":
            for line in p.read_text(encoding="utf-8").splitlines():
                _strict(line)
            n += 1
    return n


# -- the helper ------------------------------------------------------------------------------
def test_dumps_strict_writes_null_for_non_finite():
    obj = {"a": math.nan, "b": [1.0, math.inf, -math.inf], "c": (2.5, {"d": float("nan")})}
    text = dumps_strict(obj)
    assert _strict(text) == {"a": None, "b": [1.0, None, None], "c": [2.5, {"d": None}]}
    assert strict_loads(text) == _strict(text)
    with pytest.raises(ValueError, match="NaN"):
        strict_loads(json.dumps(obj))


@pytest.mark.parametrize("kw", [{}, {"ensure_ascii": False}, {"indent": 2, "sort_keys": True},
                                {"separators": (",", ":")}])
def test_dumps_strict_is_json_dumps_for_finite_values(kw):
    obj = {"z": 1, "é": [0.1, 1e300, -0.0, None, True, "x\n\u2028"], "a": {"k": (1, 2)}}
    assert dumps_strict(obj, **kw) == json.dumps(obj, **kw)


def test_restore_nonfinite_round_trip():
    rec = {"metrics": {"em": 1.0, "odd": math.nan}, "metric_state": {"bleu": [1.0, math.nan]},
           "loglikelihoods": [-1.5, -math.inf], "input_tokens": None, "system": None,
           "logprobs": [{"token": "a", "logprob": -math.inf,
                         "top": [{"token": "a", "logprob": -math.inf},
                                 {"token": "b", "logprob": -0.5}]}]}
    back = loads_record(dumps_strict(rec))
    assert math.isnan(back["metrics"]["odd"]) and back["metrics"]["em"] == 1.0
    assert back["metric_state"]["bleu"][0] == 1.0 and math.isnan(back["metric_state"]["bleu"][1])
    assert back["loglikelihoods"] == [-1.5, -math.inf]
    assert back["logprobs"][0]["logprob"] == -math.inf
    assert [a["logprob"] for a in back["logprobs"][0]["top"]] == [-math.inf, -0.5]
    assert back["input_tokens"] is None and back["system"] is None
    plain = {"metrics": {"em": 1.0}, "logprobs": None}
    assert restore_nonfinite(dict(plain)) == plain
    assert clean_floats([math.nan, (1.0,)]) == [None, [1.0]]


def test_example_record_from_strict_json():
    rec = ExampleRecord(index=0, id="0", query="q", gold="g", system=None, metadata_raw=None,
                        metadata=None, messages=[], prediction="p",
                        metrics={"em": 0.0, "odd": math.nan}, metric_state={"s": [math.inf]})
    back = ExampleRecord.from_dict(json.loads(dumps_strict(rec.to_dict())))
    assert math.isnan(back.metrics["odd"]) and back.metrics["em"] == 0.0
    assert math.isnan(back.metric_state["s"][0])


# -- the writers -----------------------------------------------------------------------------
def _record(i: int, value: float) -> dict:
    return ExampleRecord(index=i, id=str(i), query="q", gold="g", system=None,
                         metadata_raw='{"x": NaN}', metadata={"x": math.nan},
                         messages=[{"role": "user", "content": "q"}], prediction="p",
                         logprobs=[{"token": "p", "logprob": -math.inf, "top": []}],
                         metrics={"em": 1.0, "odd": value}).to_dict()


def test_writers_write_strict_json(tmp_path):
    native = NativeWriter(tmp_path)
    nova = NovaWriter(tmp_path, model="mock/x", date_id="d", key="custom|t|0")
    for i, v in enumerate([math.nan, math.inf, 0.5]):
        native.add(_record(i, v))
        nova.add(_record(i, v))
    native.close()
    nova.close()
    write_json(tmp_path / "metrics.json", {"odd": math.nan, "em": 1.0})
    path = write_results_json(tmp_path / "eval_results", "d", "custom|t|0",
                              {"odd": math.nan, "em": 1.0}, model_name="mock/x",
                              start_time=0.0, end_time=1.0, subtasks={"s": {"v": math.inf}})
    assert _check_tree(tmp_path) == 4
    assert _strict(path.read_text())["results"]["all"] == {"odd": None, "em": 1.0}
    lines = (tmp_path / "examples.jsonl").read_text().splitlines()
    assert _strict(lines[0])["metrics"] == {"em": 1.0, "odd": None}


# -- a whole run -----------------------------------------------------------------------------
@register_scorer("nan_for_tests", replace=True)
class _NanScorer(BaseScorer):
    """1.0 for even rows, NaN for rows divisible by 3, +inf otherwise (by the query's number)."""

    metric = "odd"

    def score_one(self, prediction, ground_truth, metadata=None):
        i = int(ground_truth[1:])
        return {"odd": 1.0 if i % 2 == 0 else math.nan if i % 3 == 0 else math.inf}


def _run(tmp_path: Path, **opts):
    rows = [{"query": f"q{i}", "response": f"g{i}"} for i in range(12)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml",
                          "assay:\n  scorers:\n    - {name: nan_for_tests, label: odd}\n")
    return assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False, **opts),
                          assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                          assay__model="mock/oracle", assay__unit_size=4)


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def test_run_with_nan_metric_writes_strict_json_and_rereads_the_same(tmp_path):
    res = _run(tmp_path, overwrite=True)
    assert _check_tree(res.run_dir) >= 5          # run.json, metrics.json, results, jsonl, units
    recs = list(res.records())
    assert recs[0].metrics["odd"] == 1.0
    assert math.isnan(recs[3].metrics["odd"]) and math.isnan(recs[1].metrics["odd"])
    first = res.summary
    # --resume over finished units: every record is read back from the unit files
    again = _run(tmp_path, resume=True)
    assert _check_tree(again.run_dir) >= 5
    assert _same(again.summary["flat"], first["flat"])
    assert _same(again.summary["metrics"], first["metrics"])


def test_loads_record_leaves_non_records_and_errors_to_the_caller():
    assert loads_record("[1, null]") == [1, None]
    assert loads_record("3") == 3
    with pytest.raises(ValueError):
        loads_record("{not json")


def test_unit_files_round_trip_non_finite_values(tmp_path):
    """What the run store writes is strict JSON, and a fresh store (a resumed run: nothing in
    memory) reads the same values back: NaN metrics and metric state, -inf log-probabilities."""
    from assay.results.store import RunStore

    rec = ExampleRecord(index=0, id="0", query="q", gold="g", system=None, metadata_raw=None,
                        metadata=None, messages=[], prediction="p",
                        logprobs=[{"token": "p", "logprob": -math.inf, "top": []}],
                        metrics={"em": 1.0, "odd": math.nan}, metric_state={"s": [1.0, math.nan]})
    RunStore(tmp_path).write_unit("u0", [rec])
    _strict((tmp_path / "units" / "u0.jsonl").read_text())
    (d, line), = RunStore(tmp_path).iter_unit_records(["u0"])
    assert line.endswith("\n") and _strict(line)["metrics"]["odd"] is None
    assert _same(d, rec.to_dict())
    assert _same(next(RunStore(tmp_path).iter_unit_dicts(["u0"])), rec.to_dict())
