"""RunResult: what :func:`assay.evaluate` returns; reads the run directory back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .json_io import loads_record
from .records import ExampleRecord

__all__ = ["RunResult", "load_run"]


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    task: str
    model: str
    summary: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        """Flat Nova-style aggregates: ``{em: ..., em_stderr: ..., ...}``."""
        return self.summary["flat"]

    @property
    def groups(self) -> dict[str, Any]:
        return self.summary.get("groups", {})

    @property
    def n_examples(self) -> int:
        return self.summary["n_examples"]

    @property
    def n_errors(self) -> int:
        return self.summary["n_errors"]

    def records_dicts(self) -> Iterator[dict[str, Any]]:
        """Per-example records as plain dicts (any task), in dataset order; a ``null`` metric
        value reads back as NaN (see :mod:`assay.results.json_io`)."""
        with (self.run_dir / "examples.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                yield loads_record(line)

    def records(self) -> Iterator[ExampleRecord]:
        with (self.run_dir / "examples.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                d = loads_record(line)
                d.setdefault("metric_state", {})
                yield ExampleRecord.from_dict(d)

    def to_pandas(self):
        """Per-example records as a DataFrame (from ``examples.parquet``)."""
        import pyarrow.parquet as pq

        return pq.read_table(self.run_dir / "examples.parquet").to_pandas()


def load_run(run_dir: str | Path) -> RunResult:
    """Open a finished run directory."""
    from ..errors import RunStateError

    d = Path(run_dir)
    try:
        metrics = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunStateError(f"not a finished assay run ({exc.__class__.__name__})", file=d) from None
    try:
        paths = json.loads((d / "run.json").read_text(encoding="utf-8")).get("paths", {})
    except (OSError, json.JSONDecodeError):
        paths = {}
    return RunResult(run_dir=d, task=metrics.get("task", ""), model=metrics.get("model", ""),
                     summary=metrics, paths=paths)
