"""A Parquet file written batch by batch, with the encoding and compression of one batch
overlapping the building of the next.

``pyarrow``'s ``ParquetWriter.write_table`` releases the GIL while it encodes and compresses,
so a writer thread lets the caller go on converting the next records while the previous row
group is written. At most one batch is in flight (memory stays bounded by two batches), and
an error in the writer thread is raised by the next :meth:`ParquetSink.write` or by
:meth:`ParquetSink.close`.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from .arrow_columns import arrow_table

__all__ = ["ParquetSink"]


class ParquetSink:
    """``write(columns)`` appends one row group (one Python list per schema field, in the
    schema's order); ``close()`` waits for the last one and closes the file."""

    def __init__(self, path: Path, schema: pa.Schema, *, compression: str = "zstd") -> None:
        self.path = path
        self.schema = schema
        self._writer = pq.ParquetWriter(str(path), schema, compression=compression)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def write(self, columns: Sequence[Sequence[Any]]) -> None:
        table = arrow_table(columns, self.schema)   # Python work: in the caller's thread
        self._wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-parquet")
        self._pending = self._pool.submit(self._writer.write_table, table)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()   # re-raises the writer thread's error here

    def close(self) -> None:
        try:
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
            self._writer.close()
