"""Where evaluation executions are kept: one JSON file per execution in
``assay.jobs.jobs_dir()/sdk/`` (so they live as long as the jobs they run), written
atomically. A record holds what never changes (arn, names, type, output folder, the jobs
behind each pipeline step) and the last status seen."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["sdk_dir", "save_record", "load_record", "all_records", "find_record"]


def sdk_dir() -> Path:
    from ..jobs import jobs_dir

    return jobs_dir() / "sdk"


def _path(exec_id: str) -> Path:
    return sdk_dir() / f"{exec_id}.json"


def save_record(record: dict[str, Any]) -> Path:
    d = sdk_dir()
    d.mkdir(parents=True, exist_ok=True)
    path = _path(record["id"])
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=2, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_record(exec_id: str) -> dict[str, Any] | None:
    try:
        return json.loads(_path(exec_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def all_records() -> list[dict[str, Any]]:
    """Every record, newest first."""
    d = sdk_dir()
    if not d.is_dir():
        return []
    out = []
    for p in d.glob("*.json"):
        try:
            out.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(out, key=lambda r: (r.get("created", 0), r.get("id", "")), reverse=True)


def find_record(key: str) -> dict[str, Any] | None:
    """The record whose id, arn or name is ``key``."""
    key = str(key)
    tail = key.rsplit("/", 1)[-1]
    rec = load_record(tail) if tail and "/" not in tail and tail not in (".", "..") else None
    if rec is not None and key in (rec["id"], rec["arn"], tail):
        return rec
    for rec in all_records():
        if key in (rec.get("id"), rec.get("arn"), rec.get("name")):
            return rec
    return None
