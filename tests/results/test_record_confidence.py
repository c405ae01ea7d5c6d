"""ExampleRecord's ``confidence`` field: it round-trips through to_dict/from_dict and the
strict JSON text, and records written before it existed still load (as None)."""

from __future__ import annotations

import json

from assay.results.json_io import dumps_strict, loads_record
from assay.results.records import ExampleRecord

BASE = {"index": 0, "id": "a", "query": "q", "gold": "g", "system": None, "metadata_raw": None,
        "metadata": None, "messages": [{"role": "user", "content": "q"}], "prediction": "p"}


def test_confidence_round_trips():
    conf = {"first_token_prob": 0.5, "mean_logprob": -0.7, "min_logprob": float("-inf"),
            "label": "x", "label_probability": 0.9}
    rec = ExampleRecord(**BASE, confidence=conf)
    d = rec.to_dict()
    assert d["confidence"] == conf and ExampleRecord.from_dict(d) == rec
    back = ExampleRecord.from_dict(loads_record(dumps_strict(d)))
    assert back.confidence["min_logprob"] is None          # -inf is written as null
    assert back.confidence["label_probability"] == 0.9


def test_an_old_record_without_confidence_still_loads():
    old = dict(BASE, logprobs=None, metrics={"em": 1.0}, metric_state={}, error=None)
    rec = ExampleRecord.from_dict(json.loads(json.dumps(old)))
    assert rec.confidence is None and rec.to_dict()["confidence"] is None
