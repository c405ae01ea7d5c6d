"""The run store: an append-only, resumable record of finished work units.

Layout of a run directory::

    <output_dir>/<run.name>/
      run.json              manifest: fingerprint of recipe + dataset, model, date_id, status
      .lock                 held (flock) by the one process writing the run; holds its PID
      units/<unit>.jsonl    one file per finished unit, written to a temp name then renamed
      ...                   outputs written by the writers once every unit is done

A unit file exists only once all its examples are recorded, so a run killed at any moment
leaves either a whole unit or none; ``--resume`` skips the units that exist, and each example
is recorded exactly once. Examples that failed for a transient reason (connection, timeout,
rate limit, server error) are asked again on resume, and their unit file is rewritten.

Safety: a folder is only ever emptied by ``--overwrite`` when it holds an assay run manifest,
and only by the process holding its lock.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import RunStateError
from .json_io import loads_record
from .records import ExampleRecord
from .run_lock import LOCK_NAME, RunLock, lock_holder

__all__ = ["RunStore", "TRANSIENT_KINDS", "RETRY_POLICIES", "flatten_differences"]

#: Error kinds that may go away when asked again: retried on ``--resume`` by default.
TRANSIENT_KINDS = frozenset({"rate_limit", "server", "timeout", "connection"})
#: ``--retry-errors``: which recorded failures a resume asks again.
RETRY_POLICIES = ("transient", "all", "none")


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    return {prefix: obj}


def flatten_differences(old: dict, new: dict) -> list[str]:
    """Dotted keys whose values differ between two nested dicts, sorted."""
    a, b = _flatten(old), _flatten(new)
    return sorted(k for k in set(a) | set(b) if a.get(k, "<unset>") != b.get(k, "<unset>"))


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class RunStore:
    #: Runs up to this many rows keep the units they wrote in memory as well, so the final
    #: merge need not read them back (same records, same order; larger runs stream from disk).
    MEMORY_ROWS = 50_000

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir)
        self._memory: dict[str, list[tuple[dict[str, Any], str]]] | None = None
        self.units_dir = self.dir / "units"
        self.manifest_path = self.dir / "run.json"
        self.lock = RunLock(self.dir)
        self._status: str | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def exists(self) -> bool:
        """True when the folder holds an assay run manifest (a readable ``run.json``)."""
        try:
            doc = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(doc, dict) and "fingerprint" in doc

    def read_manifest(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RunStateError(f"cannot read run manifest ({type(exc).__name__})",
                                file=self.manifest_path) from None
        if not isinstance(doc, dict):
            raise RunStateError("run manifest is not a JSON object", file=self.manifest_path)
        return doc

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        from .json_io import dumps_strict

        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(dumps_strict(manifest, indent=2, sort_keys=True, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, self.manifest_path)
        self._status = manifest.get("status")

    def _foreign_entries(self) -> list[str]:
        try:
            return sorted(p.name for p in self.dir.iterdir() if p.name != LOCK_NAME)
        except OSError as exc:
            raise RunStateError(f"cannot read the output folder ({exc.strerror})",
                                file=self.dir) from None

    def _check_location(self) -> None:
        """The run directory must be (or become) a plain folder we can write."""
        if self.dir.is_symlink() or (self.dir.exists() and not self.dir.is_dir()):
            raise RunStateError("the run path exists and is not a folder", file=self.dir)
        parent = self.dir.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise RunStateError(f"output directory {_short(str(parent), 80)} is not a folder",
                                file=self.dir)

    def _clear(self) -> None:
        """Empty a run directory we hold the lock of (never follows symlinks)."""
        for entry in self.dir.iterdir():
            if entry.name == LOCK_NAME:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def prepare(self, manifest: dict[str, Any], *, resume: bool, overwrite: bool) -> dict[str, Any]:
        """Create a new run, or reopen one for ``--resume`` after checking it is the same run.

        Takes the run's lock first and holds it until :meth:`close`. ``--overwrite`` empties
        the folder only when it holds an assay run; any other non-empty folder is refused
        untouched."""
        self._check_location()
        if self.dir.exists() and not self.exists() and self._foreign_entries():
            what = "refusing to overwrite it" if overwrite else "choose another run name"
            raise RunStateError(f"folder exists and is not an assay run (no run.json); {what}; "
                                "nothing was changed", file=self.dir)
        if self.exists() and lock_holder(self.dir) is not None:
            self.lock.acquire()   # raises, naming the process that holds the run
            self.lock.release()
        if self.exists() and not (resume or overwrite):
            raise RunStateError("run directory already exists; pass --resume to continue it "
                                "or --overwrite to start over", file=self.dir)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunStateError(f"cannot create the run directory ({exc.strerror})",
                                file=self.dir) from None
        self.lock.acquire()
        try:
            return self._prepare_locked(manifest, resume=resume, overwrite=overwrite)
        except BaseException:
            self.lock.release()
            raise

    def _prepare_locked(self, manifest: dict[str, Any], *, resume: bool,
                        overwrite: bool) -> dict[str, Any]:
        manifest = dict(manifest, pid=os.getpid())
        if self.exists():
            if resume:
                old = self.read_manifest()
                if old.get("fingerprint") != manifest["fingerprint"]:
                    raise RunStateError(self._mismatch(old, manifest), file=self.dir)
                old.update(status="running", pid=os.getpid(), resumed=time.time())
                old.pop("error", None)
                self.write_manifest(old)
                return old
            self._clear()   # overwrite of an assay run, under its lock
        elif self._foreign_entries():   # appeared since the check: never remove it
            raise RunStateError("folder is not an assay run; nothing was changed", file=self.dir)
        try:
            self.units_dir.mkdir(parents=True, exist_ok=True)
            self.write_manifest(manifest)
        except OSError as exc:
            raise RunStateError(f"cannot write the run directory ({exc.strerror})",
                                file=self.dir) from None
        return manifest

    @staticmethod
    def _mismatch(old: dict, new: dict) -> str:
        keys = flatten_differences(old.get("fingerprint_doc") or {},
                                   new.get("fingerprint_doc") or {})
        if not keys or not old.get("fingerprint_doc"):
            return ("cannot resume: the recipe, model, settings or dataset differ from the run "
                    "recorded here (use --overwrite to start over)")
        a, b = _flatten(old["fingerprint_doc"]), _flatten(new["fingerprint_doc"])
        k = keys[0]
        more = f" (and {len(keys) - 1} more)" if len(keys) > 1 else ""
        return (f"cannot resume: '{k}' differs from the run recorded here (recorded "
                f"{_short(a.get(k, '<unset>'))}, now {_short(b.get(k, '<unset>'))}){more}; "
                "use --overwrite to start over")

    def close(self, *, error: str | None = None, status: str = "aborted") -> None:
        """Release the lock. A run that did not finish is marked ``status`` first
        (``aborted``, or ``stopped`` after a graceful stop)."""
        if not self.lock.held:
            return
        try:
            if self._status == "running":
                try:
                    manifest = self.read_manifest()
                    manifest.update(status=status, aborted=time.time())
                    if error:
                        manifest["error"] = error[:500]
                    self.write_manifest(manifest)
                except (OSError, RunStateError):
                    pass
        finally:
            self.lock.release()

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

    def scan_units(self, units: list[Any], retry: str = "transient"
                   ) -> tuple[set[str], dict[str, list[dict[str, Any]]]]:
        """Check every recorded unit before a resume.

        Returns ``(finished unit ids, {unit id: its records})`` where the second holds the
        units with examples to ask again under ``retry`` (``transient``: failures of a
        transient kind; ``all``: every failure; ``none``). A torn unit (wrong line count) is
        deleted and redone; a unit whose lines do not parse, or whose records are not the
        unit's rows, is refused with its file and line."""
        if retry not in RETRY_POLICIES:
            raise RunStateError(f"--retry-errors must be one of {', '.join(RETRY_POLICIES)}",
                                field="--retry-errors")
        finished = self.finished_units({u.id: u.size for u in units})
        redo: dict[str, list[dict[str, Any]]] = {}
        for unit in units:
            if unit.id not in finished:
                continue
            records = self._read_unit(unit)
            if retry != "none" and any(self.should_retry(r, retry) for r in records):
                redo[unit.id] = records
        return finished, redo

    @staticmethod
    def should_retry(record: dict[str, Any], retry: str) -> bool:
        err = record.get("error")
        if not err:
            return False
        return retry == "all" or err.get("kind") in TRANSIENT_KINDS

    def _read_unit(self, unit: Any) -> list[dict[str, Any]]:
        path = self.unit_path(unit.id)
        out = []
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise RunStateError(f"cannot read unit file ({exc.strerror})", file=path) from None
        with fh:
            for n, raw in enumerate(fh, 1):
                hint = "; delete this file to redo its examples"
                try:
                    rec = loads_record(raw)
                except (ValueError, RecursionError):
                    raise RunStateError("corrupted unit record (not JSON)" + hint,
                                        file=path, line=n) from None
                if not isinstance(rec, dict) or rec.get("index") != unit.start + n - 1:
                    raise RunStateError(f"corrupted unit record (expected the record of row "
                                        f"{unit.start + n - 1}){hint}", file=path, line=n,
                                        field="index")
                err = rec.get("error")
                if err is not None and not (isinstance(err, dict)
                                            and isinstance(err.get("kind"), str)):
                    raise RunStateError("corrupted unit record" + hint, file=path, line=n,
                                        field="error")
                out.append(rec)
        return out

    def keep_in_memory(self, rows: int) -> None:
        """Keep written units in memory too when the run has at most MEMORY_ROWS rows."""
        self._memory = {} if rows <= self.MEMORY_ROWS else None

    def write_unit(self, unit_id: str, records: list[Any]) -> None:
        """Write a unit's records (record objects, or dicts already recorded) atomically."""
        from .json_io import dumps_strict

        self.units_dir.mkdir(parents=True, exist_ok=True)
        final = self.unit_path(unit_id)
        tmp = final.with_suffix(".jsonl.tmp")
        dicts = [r if isinstance(r, dict) else r.to_dict() for r in records]
        lines = [dumps_strict(d) + "\n" for d in dicts]
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
                        yield loads_record(line), line

    def iter_unit_lines(self, unit_ids: list[str]) -> Iterator[str]:
        """Records as JSON lines, unit by unit in the given (dataset) order."""
        for uid in unit_ids:
            with self.unit_path(uid).open(encoding="utf-8") as fh:
                yield from fh

    def iter_unit_dicts(self, unit_ids: list[str]) -> Iterator[dict[str, Any]]:
        """Records as plain dicts, unit by unit in the given (dataset) order."""
        for line in self.iter_unit_lines(unit_ids):
            yield loads_record(line)

    def iter_records(self, unit_ids: list[str]) -> Iterator[ExampleRecord]:
        for d in self.iter_unit_dicts(unit_ids):
            yield ExampleRecord.from_dict(d)
