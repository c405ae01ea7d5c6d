"""The run store: an append-only, resumable record of finished work units.

Layout of a run directory::

    <output_dir>/<run.name>/
      run.json              manifest: fingerprint of recipe + dataset, model, date_id, status
      units/<unit>.jsonl    one file per finished unit, written to a temp name then renamed
      ...                   outputs written by the writers once every unit is done

A unit file exists only once all its examples are recorded, so a run killed at any moment
leaves either a whole unit or none; ``--resume`` skips the units that exist, and each example
is recorded exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import RunStateError
from .records import ExampleRecord

__all__ = ["RunStore"]


class RunStore:
    #: Runs up to this many rows keep the units they wrote in memory as well, so the final
    #: merge need not read them back (same records, same order; larger runs stream from disk).
    MEMORY_ROWS = 50_000

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir)
        self._memory: dict[str, list[tuple[dict[str, Any], str]]] | None = None
        self.units_dir = self.dir / "units"
        self.manifest_path = self.dir / "run.json"

    # -- lifecycle -----------------------------------------------------------------------
    def exists(self) -> bool:
        return self.manifest_path.exists()

    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RunStateError(f"cannot read run manifest ({exc})", file=self.manifest_path) from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def prepare(self, manifest: dict[str, Any], *, resume: bool, overwrite: bool) -> dict[str, Any]:
        """Create a new run, or reopen one for ``--resume`` after checking it is the same run."""
        if self.exists():
            if resume:
                old = self.read_manifest()
                if old.get("fingerprint") != manifest["fingerprint"]:
                    raise RunStateError(
                        "cannot resume: the recipe, model, settings or dataset differ from the "
                        "run recorded here (use --overwrite to start over)", file=self.dir)
                old["status"] = "running"
                self.write_manifest(old)
                return old
            if not overwrite:
                raise RunStateError("run directory already exists; pass --resume to continue it "
                                    "or --overwrite to start over", file=self.dir)
        if self.dir.exists() and overwrite:
            shutil.rmtree(self.dir)
        elif self.dir.exists() and any(self.dir.iterdir()) and not resume:
            raise RunStateError("output folder exists and is not an assay run; choose another "
                                "run name or --overwrite", file=self.dir)
        self.units_dir.mkdir(parents=True, exist_ok=True)
        self.write_manifest(manifest)
        return manifest

    # -- units ---------------------------------------------------------------------------
    def unit_path(self, unit_id: str) -> Path:
        return self.units_dir / f"{unit_id}.jsonl"

    def finished_units(self, sizes: dict[str, int] | None = None) -> set[str]:
        """Units recorded on disk. With ``sizes``, a unit file whose line count is not its
        planned size (a torn write after an OS crash) is deleted so the unit is redone."""
        if not self.units_dir.exists():
            return set()
        done = set()
        for p in self.units_dir.glob("*.jsonl"):
            if sizes is not None:
                expected = sizes.get(p.stem)
                if expected is None:
                    continue
                with p.open("rb") as fh:
                    lines = fh.read().count(b"\n")
                if lines != expected:
                    p.unlink()
                    continue
            done.add(p.stem)
        return done

    def keep_in_memory(self, rows: int) -> None:
        """Keep written units in memory too when the run has at most MEMORY_ROWS rows."""
        self._memory = {} if rows <= self.MEMORY_ROWS else None

    def write_unit(self, unit_id: str, records: list[ExampleRecord]) -> None:
        self.units_dir.mkdir(parents=True, exist_ok=True)
        final = self.unit_path(unit_id)
        tmp = final.with_suffix(".jsonl.tmp")
        dicts = [r.to_dict() for r in records]
        lines = [json.dumps(d) + "\n" for d in dicts]
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write("".join(lines))
        os.replace(tmp, final)  # atomic: a killed process leaves a whole unit or none
        if self._memory is not None:
            self._memory[unit_id] = list(zip(dicts, lines))

    def iter_unit_records(self, unit_ids: list[str]) -> Iterator[tuple[dict[str, Any], str]]:
        """``(record dict, JSON line)`` unit by unit in the given (dataset) order."""
        memory = self._memory or {}
        for uid in unit_ids:
            if uid in memory:
                yield from memory.pop(uid)
            else:
                with self.unit_path(uid).open(encoding="utf-8") as fh:
                    for line in fh:
                        yield json.loads(line), line

    def iter_unit_lines(self, unit_ids: list[str]) -> Iterator[str]:
        """Records as JSON lines, unit by unit in the given (dataset) order."""
        for uid in unit_ids:
            with self.unit_path(uid).open(encoding="utf-8") as fh:
                yield from fh

    def iter_unit_dicts(self, unit_ids: list[str]) -> Iterator[dict[str, Any]]:
        """Records as plain dicts, unit by unit in the given (dataset) order."""
        for line in self.iter_unit_lines(unit_ids):
            yield json.loads(line)

    def iter_records(self, unit_ids: list[str]) -> Iterator[ExampleRecord]:
        for d in self.iter_unit_dicts(unit_ids):
            yield ExampleRecord.from_dict(d)
