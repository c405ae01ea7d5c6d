"""SQL over one run's records with DuckDB (``assay query RUN_DIR SQL``); Bedrock output
files too (``examples``, ``scores``, ``metrics``: :mod:`assay.results.bedrock_query`).

Tables (see ``docs/query.md`` for the columns):

``examples``
    the per-example records: ``examples.parquet`` (scanned lazily through Arrow), else
    ``examples.jsonl``, else the finished work units of a run still going or killed
    (``units/*.jsonl``); the JSON fallbacks are read with ``read_json_auto`` and their
    ``metadata`` column is turned into JSON text, as in the Parquet file, so
    ``metadata->>'level'`` works either way.
``metrics``
    ``metrics.json`` as a long table, one row per metric and segment:
    ``metric, value, stderr, ci_low, ci_high, n, group_field, segment``; overall rows have
    ``group_field`` and ``segment`` NULL (:data:`METRIC_COLUMNS`, :func:`metric_rows`).
``base_examples``, ``base_metrics``, ``comparison``
    benchmark runs with a base model only: the nested base run's records and metrics, and
    the paired base-vs-challenger tests (:data:`COMPARISON_COLUMNS`).

The connection is an in-memory database that cannot touch files: the tables are made first,
then ``enable_external_access`` is switched off and the configuration locked, so ``COPY ...
TO``, ``read_csv('/etc/passwd')``, ``ATTACH``, ``INSTALL`` and ``SET`` are refused. Nothing
the query does can change the run directory.

DuckDB is the optional extra ``query``; it is imported only here, when a query runs.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import decimal
import io
import json
import math
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MissingDependency
from ..stats.intervals import finite_or_none

__all__ = ["QueryResult", "query_run", "open_run", "metric_rows", "comparison_rows",
           "METRIC_COLUMNS", "COMPARISON_COLUMNS", "to_csv", "to_json", "jsonable"]

METRIC_COLUMNS = (("metric", "VARCHAR"), ("value", "DOUBLE"), ("stderr", "DOUBLE"),
                  ("ci_low", "DOUBLE"), ("ci_high", "DOUBLE"), ("n", "BIGINT"),
                  ("group_field", "VARCHAR"), ("segment", "VARCHAR"))
COMPARISON_COLUMNS = (("metric", "VARCHAR"), ("group_field", "VARCHAR"),
                      ("segment", "VARCHAR"), ("n", "BIGINT"), ("base", "DOUBLE"),
                      ("challenger", "DOUBLE"), ("difference", "DOUBLE"),
                      ("ci_low", "DOUBLE"), ("ci_high", "DOUBLE"), ("p_value", "DOUBLE"),
                      ("test", "VARCHAR"), ("verdict", "VARCHAR"))
#: judge counts: computed over every example, errors included
_COUNT_KEYS = frozenset({"a_scores", "b_scores", "ties", "inference_error", "score"})
#: judge win rate and its bootstrap bounds: errors excluded
_RATE_KEYS = frozenset({"winrate", "lower_rate", "upper_rate"})
_RUBRIC_KEYS = frozenset({"weighted_score_A", "weighted_score_B", "score_margin"})


# -- metrics.json → rows -------------------------------------------------------------------
def _num(v: Any) -> float | None:
    """A finite number from metrics.json, or None (text is not a number here)."""
    return None if isinstance(v, str) else finite_or_none(v)


def _int(v: Any) -> int | None:
    return None if _num(v) is None else int(v)


def _cell_rows(table: Any, field: str | None, segment: str | None) -> list[tuple]:
    """Rows of a ``{name: {value, stderr, ci_low, ci_high, n}}`` table."""
    if not isinstance(table, dict):
        return []
    rows = []
    for name, cell in table.items():
        if isinstance(cell, dict):
            rows.append((str(name), _num(cell.get("value")), _num(cell.get("stderr")),
                         _num(cell.get("ci_low")), _num(cell.get("ci_high")),
                         _int(cell.get("n")), field, segment))
        elif _num(cell) is not None:
            rows.append((str(name), _num(cell), None, None, None, None, field, segment))
    return rows


def _flat_rows(flat: Any, known: set[str], field: str | None = None,
               segment: str | None = None) -> list[tuple]:
    """Value-only rows for ``flat`` keys not already in a table (scorer sub-metrics such as
    ``accuracy.f1[label]``, ``corpus_bleu.n``); ``<name>_stderr`` keys fill ``stderr``."""
    if not isinstance(flat, dict):
        return []
    rows = []
    for name, value in flat.items():
        name = str(name)
        if name in known or (name.endswith("_stderr") and
                             (name[:-7] in known or name[:-7] in flat)):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        rows.append((name, _num(value), _num(flat.get(name + "_stderr")), None, None, None,
                     field, segment))
    return rows


def _judge_rows(flat: Any, n: int | None, n_errors: int | None, field: str | None,
                segment: str | None, n_scored: int | None = None) -> list[tuple]:
    if not isinstance(flat, dict):
        return []
    rows = []
    for name, value in flat.items():
        name = str(name)
        if name.endswith("_stderr") and name[:-7] in flat:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        lo = hi = None
        if name == "winrate":
            lo, hi = _num(flat.get("lower_rate")), _num(flat.get("upper_rate"))
        if name in _COUNT_KEYS:
            count = n
        elif name in _RATE_KEYS:
            count = None if n is None else n - (n_errors or 0)
        elif name in _RUBRIC_KEYS:
            count = n_scored
        else:
            count = None
        rows.append((name, _num(value), _num(flat.get(name + "_stderr")), lo, hi, count,
                     field, segment))
    return rows


def metric_rows(summary: dict[str, Any]) -> list[tuple]:
    """``metrics.json`` as rows of :data:`METRIC_COLUMNS`.

    * gen_qa: the ``metrics`` table, then the ``flat`` keys it does not hold (value only),
      then every ``groups[field][segment]["metrics"]`` table with ``group_field``/``segment``;
      RAG runs add their ``retrieval`` table (recall@k, ...) and its segments the same way.
    * judges (``llm_judge``, ``rubric_llm_judge``): one row per ``flat`` key with its
      ``_stderr``; ``winrate`` carries the bootstrap CI (``lower_rate``/``upper_rate``, also
      rows of their own); ``n`` is every example for the counts, the examples with a
      verdict for the rates, the scored examples for rubric weighted scores;
      ``position_consistency`` is a value row; segments from ``groups`` as above.
    * benchmarks: the ``overall`` table, ``<metric>_macro`` (mean over subtasks, value
      only), and one segment per subtask with ``group_field = 'subtask'``.
    """
    if not isinstance(summary, dict):
        return []
    rows: list[tuple] = []
    flat = summary.get("flat")
    groups = summary.get("groups") if isinstance(summary.get("groups"), dict) else {}
    if isinstance(summary.get("metrics"), dict):
        table = summary["metrics"]
        rows += _cell_rows(table, None, None)
        rows += _flat_rows(flat, set(map(str, table)))
        for field, segments in groups.items():
            for segment, doc in (segments.items() if isinstance(segments, dict) else ()):
                if isinstance(doc, dict):
                    rows += _cell_rows(doc.get("metrics"), str(field), str(segment))
        extra = summary.get("retrieval")   # RAG runs: the model-free retrieval metrics
        if isinstance(extra, dict) and isinstance(extra.get("metrics"), dict):
            rows += _cell_rows(extra["metrics"], None, None)
            for field, segments in (extra.get("groups") or {}).items():
                for segment, doc in (segments.items() if isinstance(segments, dict) else ()):
                    if isinstance(doc, dict):
                        rows += _cell_rows(doc.get("metrics"), str(field), str(segment))
        return rows
    if isinstance(summary.get("overall"), dict):
        table = summary["overall"]
        rows += _cell_rows(table, None, None)
        macro = summary.get("macro") if isinstance(summary.get("macro"), dict) else {}
        rows += [(f"{k}_macro", _num(v), None, None, None, None, None, None)
                 for k, v in macro.items() if _num(v) is not None]
        rows += _flat_rows(flat, set(map(str, table)))
        subtasks = summary.get("subtasks") if isinstance(summary.get("subtasks"), dict) else {}
        for name, doc in subtasks.items():
            if isinstance(doc, dict):
                rows += _cell_rows(doc.get("metrics"), "subtask", str(name))
        return rows
    rubric = summary.get("rubric") if isinstance(summary.get("rubric"), dict) else {}
    rows += _judge_rows(flat, _int(summary.get("n_examples")), _int(summary.get("n_errors")),
                        None, None, _int(rubric.get("n_scored")))
    pc = _num(summary.get("position_consistency"))
    if pc is not None:
        rows.append(("position_consistency", pc, None, None, None, None, None, None))
    for field, segments in groups.items():
        for segment, doc in (segments.items() if isinstance(segments, dict) else ()):
            if isinstance(doc, dict):
                rows += _judge_rows(doc.get("flat"), _int(doc.get("n")),
                                    _int(doc.get("n_errors")), str(field), str(segment))
    return rows


def _comparison_row(name: str, field: str | None, segment: str | None, c: Any) -> tuple:
    c = c if isinstance(c, dict) else {}
    text = lambda k: c[k] if isinstance(c.get(k), str) else None   # noqa: E731
    return (name, field, segment, _int(c.get("n")), _num(c.get("base")),
            _num(c.get("challenger")), _num(c.get("difference")), _num(c.get("ci_low")),
            _num(c.get("ci_high")), _num(c.get("p_value")), text("test"), text("verdict"))


def comparison_rows(summary: dict[str, Any]) -> list[tuple]:
    """A benchmark run's base-vs-challenger tests as rows of :data:`COMPARISON_COLUMNS`:
    one overall row per metric, one per subtask (``group_field = 'subtask'``)."""
    comp = summary.get("comparison") if isinstance(summary, dict) else None
    metrics = comp.get("metrics") if isinstance(comp, dict) else None
    if not isinstance(metrics, dict):
        return []
    rows = []
    for name, doc in metrics.items():
        if not isinstance(doc, dict):
            continue
        rows.append(_comparison_row(str(name), None, None, doc.get("overall")))
        subs = doc.get("subtasks") if isinstance(doc.get("subtasks"), dict) else {}
        rows += [_comparison_row(str(name), "subtask", str(s), c) for s, c in subs.items()]
    return rows


# -- the connection ------------------------------------------------------------------------
def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise MissingDependency("duckdb", "query", "assay query") from None
    return duckdb


def _read_summary(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read metrics.json ({type(exc).__name__})",
                          file=path) from None
    return doc if isinstance(doc, dict) else None


def _make_table(con: Any, name: str, columns: tuple, rows: list[tuple]) -> None:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns)
    con.execute(f'CREATE TABLE "{name}" ({cols})')
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _example_sources(run_dir: Path) -> tuple[str, list[Path]] | None:
    parquet = run_dir / "examples.parquet"
    if parquet.is_file():
        return "parquet", [parquet]
    jsonl = run_dir / "examples.jsonl"
    if jsonl.is_file():
        return "jsonl", [jsonl]
    units = sorted((run_dir / "units").glob("*.jsonl")) if (run_dir / "units").is_dir() else []
    units = [u for u in units if _size(u) > 0]
    return ("jsonl", units) if units else None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:   # a unit rewritten or cleaned up while we looked
        return 0


def _load_examples(con: Any, name: str, run_dir: Path) -> bool:
    """Make table/view ``name`` of the run's records; False when the run has none yet."""
    found = _example_sources(run_dir)
    if found is None:
        return False
    kind, files = found
    if kind == "parquet":
        import pyarrow.dataset as ds

        con.register(name, ds.dataset(str(files[0]), format="parquet"))
        return True
    paths = "[" + ", ".join(_sql_str(str(p.resolve())) for p in files) + "]"
    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_json_auto({paths}, '
                "format='newline_delimited', union_by_name=true, sample_size=-1, "
                "maximum_object_size=1073741824)")
    cols = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = ?", [name]).fetchall())
    if "metadata" in cols and cols["metadata"] != "VARCHAR":
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * REPLACE '
                    f'(CAST(to_json(metadata) AS VARCHAR) AS metadata) FROM "{name}"')
    if "index" in cols:
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{name}" '
                    'ORDER BY "index"')
    return True


def _empty_examples(con: Any, name: str) -> None:
    con.execute(f'CREATE TABLE "{name}" ("index" BIGINT, id VARCHAR)')


def open_run(run_dir: str | Path) -> Any:
    """A DuckDB connection over the run's tables that cannot read or write any file."""
    duckdb = _duckdb()
    run_dir = Path(run_dir)
    from .bedrock_summary import bedrock_output_files

    if bedrock_output_files(run_dir) is not None:
        return _open_bedrock(duckdb, run_dir)
    if not run_dir.is_dir():
        raise ConfigError("no such run directory" if not run_dir.exists()
                          else "not a folder", file=run_dir)
    summary = _read_summary(run_dir / "metrics.json")
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET autoinstall_known_extensions=false")
        if not _load_examples(con, "examples", run_dir):
            if summary is None and not (run_dir / "run.json").is_file():
                raise ConfigError("not an assay run: no examples.parquet, examples.jsonl, "
                                  "units/ or metrics.json", file=run_dir)
            _empty_examples(con, "examples")
        _make_table(con, "metrics", METRIC_COLUMNS, metric_rows(summary or {}))
        base = run_dir / "base"
        if (base / "run.json").is_file():
            if not _load_examples(con, "base_examples", base):
                _empty_examples(con, "base_examples")
            _make_table(con, "base_metrics", METRIC_COLUMNS,
                        metric_rows(_read_summary(base / "metrics.json") or {}))
            _make_table(con, "comparison", COMPARISON_COLUMNS, comparison_rows(summary or {}))
        con.execute("SET enable_external_access=false")
        con.execute("SET lock_configuration=true")
    except (duckdb.Error, OSError, ValueError) as exc:   # pyarrow's errors are ValueErrors
        con.close()
        raise ConfigError(f"cannot read the run's records: {_one_line(exc)}",
                          file=run_dir) from None
    except BaseException:
        con.close()
        raise
    return con


def _open_bedrock(duckdb: Any, path: Path) -> Any:
    """Bedrock output files: ``examples``, ``scores`` and ``metrics`` (results.bedrock_query)."""
    from .bedrock_query import SCORE_COLUMNS, bedrock_tables

    examples, scores, summary = bedrock_tables(path)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET autoinstall_known_extensions=false")
        con.register("_bedrock_examples", examples)
        con.execute('CREATE TABLE examples AS SELECT * FROM _bedrock_examples ORDER BY "index"')
        con.unregister("_bedrock_examples")
        _make_table(con, "scores", SCORE_COLUMNS, scores)
        _make_table(con, "metrics", METRIC_COLUMNS, metric_rows(summary))
        con.execute("SET enable_external_access=false")
        con.execute("SET lock_configuration=true")
    except BaseException:
        con.close()
        raise
    return con


# -- running a query -----------------------------------------------------------------------
@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


def _one_line(exc: BaseException) -> str:
    """DuckDB's message up to its first blank line (drops the ``LINE 1: ... ^`` caret art)."""
    text = str(exc).split("\n\n", 1)[0]
    return " ".join(text.split())[:500] or type(exc).__name__


def query_run(run_dir: str | Path, sql: str) -> QueryResult:
    """Run ``sql`` (one or more statements; the last one's result is returned) over the
    run's tables. A SQL error, or a statement that tries to reach a file, raises
    :class:`~assay.errors.ConfigError` with field ``SQL``."""
    duckdb = _duckdb()
    if not sql or not sql.strip():
        raise ConfigError("empty query", field="SQL")
    con = open_run(run_dir)
    try:
        try:
            rel = con.sql(sql)
            if rel is None:
                return QueryResult((), (), [])
            columns = tuple(rel.columns)
            types = tuple(str(t) for t in rel.types)
            rows = rel.fetchall()
        except duckdb.Error as exc:
            raise ConfigError(_one_line(exc), field="SQL") from None
    finally:
        con.close()
    return QueryResult(columns, types, rows)


# -- output --------------------------------------------------------------------------------
def jsonable(v: Any) -> Any:
    """A DuckDB value as JSON: decimals as numbers, dates as ISO text, blobs as base64,
    NaN/inf as null (the strict writer), nested lists/structs/maps recursively."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, decimal.Decimal):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return v.total_seconds()
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [jsonable(x) for x in v]
    return str(v)


def to_json(result: QueryResult) -> str:
    """A strict JSON list of row objects (``NaN`` and infinities become ``null``)."""
    from .json_io import dumps_strict

    return dumps_strict([{c: jsonable(v) for c, v in zip(result.columns, row)}
                         for row in result.rows], indent=2, ensure_ascii=False)


def cell_text(v: Any) -> str:
    """One value as text: NULL empty, nested values as compact JSON."""
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else
                                                 ("inf" if v > 0 else "-inf"))
    if isinstance(v, (dict, list, tuple)):
        from .json_io import dumps_strict

        return dumps_strict(jsonable(v), ensure_ascii=False, separators=(",", ":"))
    j = jsonable(v)
    return j if isinstance(j, str) else str(j)


def to_csv(result: QueryResult) -> str:
    """CSV with a header row; NULL is an empty field, nested values compact JSON."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(result.columns)
    for row in result.rows:
        w.writerow([cell_text(v) for v in row])
    return buf.getvalue()
