"""The job store: one SQLite file (WAL) under the user's data folder, one row per background
job and one per step of its run. It outlives every process: the ``assay jobs`` command that
started a job, the job itself, and whoever asks about it later.

Where: ``$ASSAY_JOBS_DIR``, else ``$XDG_DATA_HOME/assay/jobs``, else
``~/.local/share/assay/jobs``. Each job also has a folder there (``<id>/log.txt``: the job
process's stdout and stderr).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

__all__ = ["JobStore", "jobs_dir", "new_job_id", "ACTIVE", "FINAL", "STATUSES"]

#: overall and step statuses, in SageMaker pipeline vocabulary
STATUSES = ("Executing", "Succeeded", "Failed", "Stopping", "Stopped")
ACTIVE = ("Executing", "Stopping")
FINAL = ("Succeeded", "Failed", "Stopped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    ended REAL,
    argv TEXT NOT NULL,
    cwd TEXT,
    pid INTEGER,
    run_dir TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    exit_code INTEGER,
    recipe TEXT,
    name TEXT,
    log TEXT,
    cluster TEXT,
    replicas INTEGER,
    resumed_from TEXT
);
CREATE TABLE IF NOT EXISTS steps (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL,
    ended REAL,
    done INTEGER,
    total INTEGER,
    failed INTEGER,
    reason TEXT,
    PRIMARY KEY (job_id, seq)
);
"""

_JOB_COLUMNS = ("id", "created", "ended", "argv", "cwd", "pid", "run_dir", "status", "reason",
                "exit_code", "recipe", "name", "log", "cluster", "replicas", "resumed_from")


def jobs_dir() -> Path:
    """The folder of the job store (see the module docstring)."""
    env = os.environ.get("ASSAY_JOBS_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "assay" / "jobs"


def new_job_id() -> str:
    """``YYYYMMDD-HHMMSS-xxxxxx`` (UTC): sortable by creation, unique."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


class JobStore:
    """The SQLite job store of one folder. Every method opens its own short transaction, so
    several processes (the job, its watchers) share the file safely."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.dir = Path(folder) if folder is not None else jobs_dir()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "jobs.sqlite"
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def job_folder(self, job_id: str) -> Path:
        return self.dir / job_id

    # -- jobs ---------------------------------------------------------------------------------
    def insert(self, job_id: str, *, argv: list[str], cwd: str, recipe: str | None,
               log: str, resumed_from: str | None = None) -> None:
        self._db.execute(
            "INSERT INTO jobs (id, created, argv, cwd, status, recipe, log, resumed_from) "
            "VALUES (?, ?, ?, ?, 'Executing', ?, ?, ?)",
            (job_id, time.time(), json.dumps(argv), cwd, recipe, log, resumed_from))

    def update(self, job_id: str, *, only_if: tuple[str, ...] | None = None,
               **fields: Any) -> bool:
        """Set ``fields`` of a job; with ``only_if``, only while its status is one of those.
        Whether a row changed."""
        bad = set(fields) - set(_JOB_COLUMNS)
        if bad:
            raise ValueError(f"unknown job fields {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        sql = f"UPDATE jobs SET {sets} WHERE id = ?"
        params: list[Any] = [*fields.values(), job_id]
        if only_if:
            sql += f" AND status IN ({', '.join('?' * len(only_if))})"
            params += list(only_if)
        return self._db.execute(sql, params).rowcount > 0

    def get(self, job_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def all(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT * FROM jobs ORDER BY created DESC, id DESC").fetchall()
        return [_job(r) for r in rows]

    # -- steps --------------------------------------------------------------------------------
    def start_step(self, job_id: str, name: str) -> int:
        """A new step, Executing from now; its sequence number."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE job_id = ?",
                                   (job_id,)).fetchone()[0]
            self._db.execute("INSERT INTO steps (job_id, seq, name, status, started) "
                             "VALUES (?, ?, ?, 'Executing', ?)", (job_id, seq, name, time.time()))
        return int(seq)

    def finish_step(self, job_id: str, seq: int, status: str, reason: str | None) -> None:
        self._db.execute("UPDATE steps SET status = ?, ended = ?, reason = ? "
                         "WHERE job_id = ? AND seq = ?",
                         (status, time.time(), reason, job_id, seq))

    def step_progress(self, job_id: str, seq: int, done: int, total: int, failed: int) -> None:
        self._db.execute("UPDATE steps SET done = ?, total = ?, failed = ? "
                         "WHERE job_id = ? AND seq = ?", (done, total, failed, job_id, seq))

    def close_steps(self, job_id: str, status: str, reason: str | None) -> None:
        """End every step still Executing (the job process ended under it)."""
        self._db.execute("UPDATE steps SET status = ?, ended = COALESCE(ended, ?), "
                         "reason = COALESCE(reason, ?) WHERE job_id = ? AND status = 'Executing'",
                         (status, time.time(), reason, job_id))

    def steps(self, job_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT * FROM steps WHERE job_id = ? ORDER BY seq",
                                (job_id,)).fetchall()
        return [{k: r[k] for k in r.keys() if k != "job_id"} for r in rows]


def _job(row: sqlite3.Row) -> dict[str, Any]:
    d = {k: row[k] for k in row.keys()}
    d["argv"] = json.loads(d["argv"]) if d.get("argv") else []
    return d
