"""Arrow columns built from buffers equal ``pyarrow.array`` and never import pandas."""

from __future__ import annotations

import math
import subprocess
import sys

import pyarrow as pa
import pytest

from assay.results.arrow_columns import arrow_column, arrow_table
from assay.results.native import EXAMPLES_SCHEMA


def _row(i: int) -> dict:
    """An examples.parquet row with nulls, empties, NaN, unicode and nested logprobs."""
    lp = [{"token": "é" * (j % 3), "logprob": -0.5 * j,
           "top": [{"token": "a", "logprob": -0.1}, {"token": None, "logprob": None}][: j % 3]}
          for j in range(i % 4)]
    return {
        "index": i, "id": None if i % 5 == 0 else f"r{i}", "query": "q✓ " * i, "system": None,
        "gold": "" if i % 2 else "gold", "metadata_raw": None, "metadata": '{"a": 1}',
        "messages": [{"role": "user", "content": f"m{i}"}] if i % 3 else None,
        "prediction": "p", "logprobs": lp if i % 6 else None,
        "confidence": None if i % 2 else {"first_token_prob": 0.5, "mean_logprob": math.nan,
                                          "min_logprob": None, "label": "x"},
        "metrics": [("em", 1.0), ("f1", math.inf)] if i % 4 else ([] if i % 8 else None),
        "error": None if i % 7 else {"stage": "model", "kind": "k", "message": "m", "raw": None},
        "latency_s": None if i % 3 == 0 else i / 7, "input_tokens": i * 2**33,
        "output_tokens": None, "finish_reason": "stop", "cached": [None, True, False][i % 3],
        "attempts": i % 3, "images": None,
    }


def _parquet_bytes(table: pa.Table) -> bytes:
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def test_examples_schema_equals_pyarrow_array():
    rows = [_row(i) for i in range(40)]
    cols = [[r.get(f.name) for r in rows] for f in EXAMPLES_SCHEMA]
    built = arrow_table(cols, EXAMPLES_SCHEMA)
    built.validate(full=True)
    ref = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(cols, EXAMPLES_SCHEMA)],
                               schema=EXAMPLES_SCHEMA)
    # equal values (repr: NaN equals NaN) and byte-identical Parquet files
    assert built.schema == ref.schema
    assert repr(built.to_pylist()) == repr(ref.to_pylist())
    assert _parquet_bytes(built) == _parquet_bytes(ref)
    assert arrow_column([], pa.string()).equals(pa.array([], type=pa.string()))
    m = pa.map_(pa.string(), pa.float64())
    assert arrow_column([{"a": 1.0}, None], m).equals(pa.array([[("a", 1.0)], None], type=m))


@pytest.mark.parametrize("values, type", [
    (["1.5"], pa.float64()), ([True], pa.int64()), ([math.nan], pa.int64()), ([1], pa.string()),
    ([1], pa.bool_()), (["ab"], pa.list_(pa.string())),
    ([[("a", 1.0)]], pa.struct([("a", pa.int64())])),
    ([[(None, 1.0)]], pa.map_(pa.string(), pa.float64())), ([2**40], pa.int32()),
    ([1, 2**40], pa.int32()), ([3, -2**31 - 1], pa.int32()), ([1, 2**64], pa.int64()),
    (["a", 1], pa.string()), (["a", b"b"], pa.string()), ([1, "2"], pa.int64()),
    ([1, 2.5, "x"], pa.float64()), ([1, True], pa.bool_()),
])
def test_wrong_kinds_are_refused(values, type):
    with pytest.raises((TypeError, OverflowError, ValueError)):
        arrow_column(values, type)


def test_no_pandas_import():
    code = ("import sys; from assay.results.arrow_columns import arrow_table;"
            "from assay.results.native import EXAMPLES_SCHEMA;"
            "from tests.results.test_arrow_columns import _row;"
            "rows=[_row(i) for i in range(10)];"
            "arrow_table([[r.get(f.name) for r in rows] for f in EXAMPLES_SCHEMA],"
            " EXAMPLES_SCHEMA);"
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("values, type", [
    # the fast paths (no nulls, plain ASCII text, plain Python numbers) and their neighbours
    (["a", "bc", ""], pa.string()), (["a", "é", ""], pa.string()), (["a", None], pa.string()),
    ([], pa.string()), ([1, 2, -3], pa.int64()), ([1, None, 2**62], pa.int64()),
    ([2**31 - 1, -2**31], pa.int32()), ([None, None], pa.int32()), ([1, 2.5, -0.0], pa.float64()),
    ([1.0, None, math.inf, math.nan], pa.float64()), ([True, 2.5], pa.float64()),
    ([2.9, 1], pa.int64()), ([], pa.int64()), ([], pa.float64()),
])
def test_fast_paths_equal_pyarrow_array(values, type):
    built = arrow_column(values, type)
    built.validate(full=True)
    assert built.type == type
    assert repr(built.to_pylist()) == repr(pa.array(values, type=type).to_pylist())
