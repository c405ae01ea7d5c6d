"""The runs under an output folder, one :class:`RunInfo` each (``assay runs``).

A run is a folder holding a readable ``run.json`` (the manifest the run store writes). The
index looks at the output folder itself, at each folder directly inside it, and one level
further down for nested runs (a benchmark's base-model run at ``<run>/base``, listed as
``<run>/base``). Nothing is written and no lock is taken: the status of a run whose manifest
says ``running`` is checked against its lock (:func:`assay.results.run_lock.lock_holder`):

* lock held → ``running`` (with the PID of the holder);
* manifest ``running`` but no lock held → the process died without closing the run (killed,
  out of memory, power loss): ``aborted`` with ``killed`` set, shown as ``aborted (killed)``;
* manifest ``succeeded`` → ``finished``; ``failed`` and ``aborted`` as they are.

A ``run.json`` that cannot be read or parsed, or is not a JSON object, is skipped; the
caller is told through ``on_skip(path, reason)``. A ``metrics.json`` that cannot be read
only leaves the metric columns empty.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .run_lock import lock_holder
from ..stats.intervals import finite_or_none

__all__ = ["RunInfo", "list_runs", "read_run", "sort_runs", "SORT_KEYS"]

#: Manifest status → the status shown.
_STATUS = {"succeeded": "finished", "failed": "failed", "aborted": "aborted", "stopped": "stopped",
           "running": "running"}
#: Folders inside a run that never hold a nested run.
_NOT_RUNS = frozenset({"units", "eval_results", "figures", "details"})
_JUDGE_TASKS = ("llm_judge", "rubric_llm_judge")
SORT_KEYS = ("date", "name", "task", "status", "metric")


@dataclass(frozen=True)
class RunInfo:
    """One run directory, summarised for a listing."""

    name: str                      # relative to the output folder; nested runs as "a/base"
    path: Path
    task: str | None
    model: str | None              # model under test; the judge model for judge tasks
    base_model: str | None         # benchmark runs with a base model
    judge: bool                    # ``model`` is a judge model
    status: str                    # running | finished | failed | aborted | <other manifest value>
    killed: bool                   # manifest says running, no process holds the lock
    pid: int | None                # the live writer's PID (running only)
    rows: int | None               # examples planned (manifest ``rows``)
    n_errors: int | None           # failed examples (from metrics.json, when written)
    metric: str | None             # headline metric name
    value: float | None
    ci_low: float | None
    ci_high: float | None
    created: float | None          # epoch seconds
    finished: float | None

    @property
    def status_text(self) -> str:
        if self.status == "running":
            return f"running (pid {self.pid})" if self.pid and self.pid > 0 else "running"
        if self.killed:
            return "aborted (killed)"
        return self.status

    @property
    def models_text(self) -> str:
        if not self.model:
            return "-"
        if self.judge:
            return f"{self.model} (judge)"
        if self.base_model:
            return f"{self.model} vs {self.base_model} (base)"
        return self.model

    @property
    def date_text(self) -> str:
        """``created`` in local time, ISO format to the minute; ``-`` when unknown."""
        if self.created is None:
            return "-"
        try:
            return datetime.fromtimestamp(self.created).isoformat(timespec="minutes")
        except (OverflowError, OSError, ValueError):
            return "-"

    @property
    def examples_text(self) -> str:
        rows = "-" if self.rows is None else str(self.rows)
        return rows if self.n_errors is None else f"{rows} ({self.n_errors} failed)"

    @property
    def metric_text(self) -> str:
        if self.metric is None or self.value is None:
            return "-"
        text = f"{self.metric} {self.value:.4f}"
        if self.ci_low is not None and self.ci_high is not None:
            text += f" [{self.ci_low:.4f}, {self.ci_high:.4f}]"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``assay runs --json``)."""
        return {
            "name": self.name, "path": os.path.abspath(self.path), "task": self.task,
            "model": self.model, "base_model": self.base_model, "judge": self.judge,
            "status": self.status, "killed": self.killed, "status_text": self.status_text,
            "pid": self.pid, "rows": self.rows, "n_errors": self.n_errors,
            "metric": None if self.metric is None else {
                "name": self.metric, "value": self.value, "ci_low": self.ci_low,
                "ci_high": self.ci_high},
            "created": self.created,
            "created_local": None if self.created is None else self.date_text,
            "finished": self.finished,
        }


# -- reading one run -----------------------------------------------------------------------
def _num(v: Any) -> float | None:
    """A finite number from metrics.json, or None (text is not a number here)."""
    return None if isinstance(v, str) else finite_or_none(v)


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        return int(v)
    except (ValueError, OverflowError):
        return None


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _read_json(path: Path) -> Any:
    with path.open("rb") as fh:
        return json.loads(fh.read())


def _cell(cell: Any) -> tuple[float | None, float | None, float | None]:
    if not isinstance(cell, dict):
        return _num(cell), None, None
    return _num(cell.get("value")), _num(cell.get("ci_low")), _num(cell.get("ci_high"))


def headline(metrics: dict[str, Any]) -> tuple[str | None, float | None, float | None,
                                               float | None]:
    """``(name, value, ci_low, ci_high)`` of a run's headline metric: gen_qa the first of the
    ``metrics`` table, judges ``winrate`` with its bootstrap CI, benchmarks the first
    ``overall`` metric; otherwise the first number in ``flat``."""
    flat = metrics.get("flat") if isinstance(metrics.get("flat"), dict) else {}
    for key in ("metrics", "overall"):
        table = metrics.get(key)
        if isinstance(table, dict) and table:
            name = next(iter(table))
            return (str(name), *_cell(table[name]))
    if "winrate" in flat:
        return "winrate", _num(flat["winrate"]), _num(flat.get("lower_rate")), \
            _num(flat.get("upper_rate"))
    for name, value in flat.items():
        if not str(name).endswith("_stderr") and _num(value) is not None:
            return str(name), _num(value), None, None
    return None, None, None, None


def read_run(run_dir: str | Path, name: str | None = None) -> RunInfo:
    """A :class:`RunInfo` for one run directory. Raises ``OSError`` or ``ValueError`` when
    its ``run.json`` cannot be read, is not JSON or is not a JSON object."""
    run_dir = Path(run_dir)
    manifest = _read_json(run_dir / "run.json")
    if not isinstance(manifest, dict):
        raise ValueError("run.json is not a JSON object")
    try:
        metrics = _read_json(run_dir / "metrics.json")
    except (OSError, ValueError):
        metrics = None
    metrics = metrics if isinstance(metrics, dict) else {}
    recipe = manifest.get("recipe") if isinstance(manifest.get("recipe"), dict) else {}

    task = _str(manifest.get("task")) or _str(metrics.get("task"))
    model = _str(manifest.get("model")) or _str(metrics.get("model"))
    judge_doc = metrics.get("judge") or recipe.get("judge")
    judge = task in _JUDGE_TASKS or (task is not None and task.endswith("judge"))
    if judge and isinstance(judge_doc, dict) and _str(judge_doc.get("model")):
        model = judge_doc["model"]
    base_model = None
    assay_doc = recipe.get("assay") if isinstance(recipe.get("assay"), dict) else {}
    bench = assay_doc.get("benchmark")
    # the base run nested in a benchmark run carries the same recipe, with its own model as
    # the manifest's: only the challenger run (recipe model == manifest model) has a base
    if (isinstance(bench, dict) and bench.get("evaluate_base_model") and not judge
            and assay_doc.get("model") == manifest.get("model")):
        base_model = _str(bench.get("base_model"))
    comparison = metrics.get("comparison")
    if base_model is None and isinstance(comparison, dict):
        base_model = _str(comparison.get("base_model"))

    raw_status = _str(manifest.get("status")) or "unknown"
    status, killed = _STATUS.get(raw_status, raw_status), False
    pid = None
    holder = lock_holder(run_dir)
    if holder is not None:
        status = "running"
        pid = holder if holder > 0 else _int(manifest.get("pid"))
    elif status == "running":
        status, killed = "aborted", True

    metric, value, lo, hi = headline(metrics) if metrics else (None, None, None, None)
    n_errors = _int(metrics.get("n_errors")) if metrics else None
    return RunInfo(
        name=name or run_dir.name, path=run_dir, task=task, model=model, base_model=base_model,
        judge=judge, status=status, killed=killed, pid=pid, rows=_int(manifest.get("rows")),
        n_errors=n_errors, metric=metric, value=value, ci_low=lo, ci_high=hi,
        created=_num(manifest.get("created")), finished=_num(manifest.get("finished")))


# -- the output folder ---------------------------------------------------------------------
def _subdirs(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if not e.name.startswith(".")]
    except OSError:
        return []
    out = []
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                out.append(Path(e.path))
        except OSError:
            continue
    return sorted(out, key=lambda p: p.name)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot read run.json ({exc.strerror or type(exc).__name__})"
    if isinstance(exc, json.JSONDecodeError):
        return f"run.json is not valid JSON (line {exc.lineno})"
    if isinstance(exc, UnicodeDecodeError):
        return "run.json is not UTF-8 text"
    return str(exc) or type(exc).__name__


def list_runs(output_dir: str | Path, *,
              on_skip: Callable[[Path, str], None] | None = None) -> list[RunInfo]:
    """Every run under ``output_dir`` (see the module docstring), in folder-name order.

    ``output_dir`` must be an existing folder (``NotADirectoryError`` /
    ``FileNotFoundError`` otherwise). Runs whose ``run.json`` is unreadable are left out and
    reported through ``on_skip(run.json path, reason)``."""
    root = Path(output_dir)
    if not root.is_dir():
        raise (NotADirectoryError if root.exists() else FileNotFoundError)(str(root))
    candidates: list[tuple[Path, str]] = []
    root_is_run = (root / "run.json").exists()
    prefix = ""
    if root_is_run:   # a run directory given as the output folder: it and its nested runs
        candidates.append((root, root.resolve().name))
        prefix = root.resolve().name + "/"
    for child in _subdirs(root):
        if root_is_run and child.name in _NOT_RUNS:
            continue
        candidates.append((child, prefix + child.name))
        if root_is_run:
            continue
        for nested in _subdirs(child):
            if nested.name not in _NOT_RUNS:
                candidates.append((nested, f"{child.name}/{nested.name}"))
    runs = []
    for folder, name in candidates:
        manifest = folder / "run.json"
        try:
            if not manifest.is_file():
                continue
        except OSError:
            continue
        try:
            runs.append(read_run(folder, name))
        except (OSError, ValueError) as exc:
            if on_skip is not None:
                on_skip(manifest, _describe(exc))
    return runs


_STATUS_ORDER = {"running": 0, "finished": 1, "failed": 2, "stopped": 3, "aborted": 4}


def sort_runs(runs: list[RunInfo], key: str = "date") -> list[RunInfo]:
    """Runs sorted by ``date`` (newest first), ``name``, ``task``, ``status`` (running,
    finished, failed, aborted, killed) or ``metric`` (headline value, highest first; runs
    without one last). Ties keep name order."""
    if key not in SORT_KEYS:
        raise ValueError(f"sort key must be one of {', '.join(SORT_KEYS)}")
    runs = sorted(runs, key=lambda r: r.name)
    if key == "name":
        return runs
    if key == "date":
        return sorted(runs, key=lambda r: -(r.created if r.created is not None else -math.inf))
    if key == "task":
        return sorted(runs, key=lambda r: (r.task is None, r.task or ""))
    if key == "status":
        return sorted(runs, key=lambda r: (_STATUS_ORDER.get(r.status, 5) + r.killed, r.status))
    return sorted(runs, key=lambda r: (r.value is None, -(r.value or 0.0)))
