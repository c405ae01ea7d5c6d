"""Python values -> typed Arrow arrays, built from buffers so that pandas is never imported.

``pyarrow.array`` asks pyarrow's pandas shim whether its input is a pandas object before it
converts anything, and that question imports pandas whenever pandas is installed (~0.35 s per
process, more than a whole 10,000-row mock run). Every typed conversion assay's writers need
is simple enough to build from buffers instead (validity bitmap, offsets, values), which
touches numpy and pyarrow only:

* ``string``: UTF-8 bytes, ``int32`` offsets; ``int64``/``int32``/``float64``/``bool``;
* ``list<T>``, ``struct<...>`` (a ``dict`` per value, missing keys null, or a tuple in field
  order) and ``map<K, V>`` (a ``dict`` or a sequence of ``(key, value)`` pairs), nested freely.

``None`` is null at every level. Any other type goes to ``pyarrow.array`` unchanged. Values of
the wrong kind raise where ``pyarrow.array`` refuses them: a ``str`` for a number, a ``bool``,
NaN or an infinity for an integer, an ``int`` for a ``bool``. The result equals
``pyarrow.array(values, type=type)`` (``tests/results/test_arrow_columns.py`` compares them).
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np
import pyarrow as pa

__all__ = ["arrow_column", "arrow_table"]

_INT32_MAX = 2**31 - 1


def arrow_table(columns: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """A table of ``schema`` from one Python list per field, in the schema's order."""
    return pa.Table.from_arrays([arrow_column(v, f.type) for v, f in zip(columns, schema)],
                                schema=schema)


def arrow_column(values: Sequence[Any], type: pa.DataType) -> pa.Array:
    """``values`` as an Arrow array of ``type`` (see the module docstring)."""
    values = values if isinstance(values, list) else list(values)
    if pa.types.is_string(type):
        return _strings(values, type)
    if pa.types.is_float64(type):
        return _numbers(values, type, np.float64, _real)
    if pa.types.is_int64(type):
        return _numbers(values, type, np.int64, _integer)
    if pa.types.is_int32(type):
        return _numbers(values, type, np.int32, _integer)
    if pa.types.is_boolean(type):
        return _booleans(values, type)
    if pa.types.is_map(type):
        return _map(values, type)
    if pa.types.is_list(type):
        return _list(values, type)
    if pa.types.is_struct(type):
        return _struct(values, type)
    return pa.array(values, type=type)


def _nulls(values: list) -> int:
    """How many values are None (by identity: a value equal to None is not null)."""
    return sum(v is None for v in values) if None in values else 0


def _validity(values: list) -> tuple[pa.Buffer | None, int]:
    nulls = _nulls(values)
    if nulls == 0:
        return None, 0
    present = np.array([v is not None for v in values], dtype=np.bool_)
    return pa.py_buffer(np.packbits(present, bitorder="little")), nulls


def _real(v: Any) -> float:
    if not isinstance(v, (int, float, np.integer, np.floating, np.bool_)):
        raise TypeError(f"expected a number, got {type(v).__name__}: {v!r}")
    return v


def _integer(v: Any) -> int:
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"expected an integer, got bool: {v!r}")
    if isinstance(v, (float, np.floating)):
        return int(v)   # as pyarrow: 2.5 -> 2; NaN and infinities raise
    return operator.index(v)   # TypeError for strings and the like


def _numbers(values: list, type: pa.DataType, dtype: Any, check: Any) -> pa.Array:
    validity, nulls = _validity(values)
    kinds = set(map(_type_of, values))
    if kinds <= ({int, float, _NONE} if check is _real else {int, _NONE}):
        # plain Python numbers (the usual case): one conversion in C, no check per value
        filled = [0 if v is None else v for v in values] if nulls else values
        wide = np.float64 if check is _real else np.int64   # OverflowError past int64
        data = np.array(filled, dtype=wide) if filled else np.zeros(0, dtype=wide)
        if dtype is np.int32 and data.size and (data.max() > _INT32_MAX
                                                 or data.min() < -_INT32_MAX - 1):
            raise OverflowError("a value does not fit int32")
        data = data.astype(dtype, copy=False)
    else:
        data = np.fromiter((0 if v is None else check(v) for v in values), dtype=dtype,
                           count=len(values))
    return pa.Array.from_buffers(type, len(values), [validity, pa.py_buffer(data)],
                                 null_count=nulls)


def _booleans(values: list, type: pa.DataType) -> pa.Array:
    validity, nulls = _validity(values)

    def check(v: Any) -> bool:
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"expected a bool, got {_type_name(v)}: {v!r}")
        return bool(v)

    bits = np.fromiter((False if v is None else check(v) for v in values), dtype=np.bool_,
                       count=len(values))
    return pa.Array.from_buffers(type, len(values),
                                 [validity, pa.py_buffer(np.packbits(bits, bitorder="little"))],
                                 null_count=nulls)


def _type_name(v: Any) -> str:
    return type(v).__name__


_type_of = type
_NONE = type(None)


def _offsets(lengths: np.ndarray, what: str) -> pa.Buffer:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > _INT32_MAX:
        raise ValueError(f"{what}: more than 2**31-1 elements in one batch")
    return pa.py_buffer(offsets.astype(np.int32))


def _strings(values: list, type: pa.DataType) -> pa.Array:
    validity, nulls = _validity(values)
    if not nulls:
        try:
            joined = "".join(values)
        except TypeError:
            joined = None   # not all str: the loop below names the bad value
        if joined is not None and joined.isascii():   # one byte per character
            lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
            return pa.Array.from_buffers(type, len(values),
                                         [None, _offsets(lengths, "string"),
                                          pa.py_buffer(joined.encode("ascii"))], null_count=0)
    encode = str.encode   # TypeError for anything but str
    try:
        parts = [b"" if v is None else encode(v, "utf-8") for v in values]
    except TypeError:
        bad = next(v for v in values if v is not None and not isinstance(v, str))
        raise TypeError(f"expected a str, got {_type_name(bad)}: {bad!r}") from None
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    return pa.Array.from_buffers(type, len(values),
                                 [validity, _offsets(lengths, "string"),
                                  pa.py_buffer(b"".join(parts))], null_count=nulls)


def _list(values: list, type: pa.DataType) -> pa.Array:
    validity, nulls = _validity(values)
    for v in values:
        if v is not None and (isinstance(v, (str, bytes, dict)) or not hasattr(v, "__len__")):
            raise TypeError(f"expected a list, got {_type_name(v)}: {v!r}")
    lengths = np.fromiter((0 if v is None else len(v) for v in values), dtype=np.int64,
                          count=len(values))
    flat = [x for v in values if v is not None for x in v]
    child = arrow_column(flat, type.value_type)
    return pa.Array.from_buffers(type, len(values), [validity, _offsets(lengths, "list")],
                                 null_count=nulls, children=[child])


def _struct(values: list, type: pa.DataType) -> pa.Array:
    validity, nulls = _validity(values)
    names = [type.field(i).name for i in range(type.num_fields)]
    for v in values:
        if v is not None and not isinstance(v, (dict, tuple, list)):
            raise TypeError(f"expected a dict, got {_type_name(v)}: {v!r}")
    children = []
    for i, name in enumerate(names):
        col = [None if v is None else (v.get(name) if isinstance(v, dict) else v[i])
               for v in values]
        children.append(arrow_column(col, type.field(i).type))
    return pa.Array.from_buffers(type, len(values), [validity], null_count=nulls,
                                 children=children)


def _map(values: list, type: pa.DataType) -> pa.Array:
    validity, nulls = _validity(values)
    pairs = [() if v is None else (list(v.items()) if isinstance(v, dict) else list(v))
             for v in values]
    lengths = np.fromiter(map(len, pairs), dtype=np.int64, count=len(pairs))
    keys = [p[0] for row in pairs for p in row]
    if any(k is None for k in keys):
        raise TypeError("a map key is None")
    items = [p[1] for row in pairs for p in row]
    entries_type = pa.struct([type.key_field, type.item_field])
    entries = pa.Array.from_buffers(
        entries_type, len(keys), [None], null_count=0,
        children=[arrow_column(keys, type.key_type), arrow_column(items, type.item_type)])
    return pa.Array.from_buffers(type, len(values), [validity, _offsets(lengths, "map")],
                                 null_count=nulls, children=[entries])
