"""A handle on one background job: its status and steps (read from the job store), waiting,
stopping, its log and its results."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from .store import ACTIVE, FINAL, JobStore

__all__ = ["Job", "get_job", "list_jobs", "process_alive", "DIED"]

#: the reason given to a job whose process ended without writing its status
DIED = "the job process died (killed?) before recording its status; finished units are kept"

#: jobs whose process this process started (a child must be reaped, or it looks alive)
_CHILDREN: dict[int, Any] = {}


def process_alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    if not pid:
        return False
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _reconcile(store: JobStore, row: dict[str, Any]) -> dict[str, Any]:
    """A job whose row says it runs but whose process is gone: Failed (or Stopped when a stop
    was asked); the row is updated."""
    if row["status"] not in ACTIVE:
        return row
    alive = process_alive(row.get("pid"))
    fresh = store.get(row["id"]) or row   # re-read after the check: it may have just ended
    if fresh["status"] not in ACTIVE or alive:
        return fresh
    if fresh.get("pid") is None and time.time() - fresh["created"] < 60:
        return fresh   # being started
    status, reason = ("Stopped", "stopped (the process ended before recording it)") \
        if fresh["status"] == "Stopping" else ("Failed", DIED)
    store.close_steps(fresh["id"], status, reason)
    store.update(fresh["id"], only_if=ACTIVE, status=status, reason=reason, ended=time.time())
    return store.get(fresh["id"]) or fresh


class Job:
    """A background job (see :func:`assay.jobs.start`)."""

    def __init__(self, job_id: str, store: JobStore | None = None) -> None:
        self.id = job_id
        self._store = store

    def __repr__(self) -> str:
        return f"Job({self.id!r})"

    @property
    def store(self) -> JobStore:
        if self._store is None:
            self._store = JobStore()
        return self._store

    def info(self) -> dict[str, Any]:
        """The job's row: id, created, ended, argv, cwd, pid, run_dir, status, reason,
        exit_code, recipe, name, log, cluster, replicas, resumed_from."""
        from ..errors import ConfigError

        row = self.store.get(self.id)
        if row is None:
            raise ConfigError(f"no job '{self.id}' in {self.store.dir} (assay jobs list)",
                              field="job")
        return _reconcile(self.store, row)

    def status(self) -> str:
        """``Executing``, ``Succeeded``, ``Failed``, ``Stopping`` or ``Stopped``."""
        return self.info()["status"]

    def steps(self) -> list[dict[str, Any]]:
        """The run's steps, in order: name, status, started, ended, done, total, failed,
        reason."""
        self.info()
        return self.store.steps(self.id)

    @property
    def run_dir(self) -> Path | None:
        d = self.info().get("run_dir")
        return None if d is None else Path(d)

    def wait(self, poll: float = 5.0, timeout: float | None = None) -> str:
        """Block until the job ends; its final status. Raises TimeoutError after
        ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status()
            if status in FINAL:
                return status
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"job {self.id} is still {status} after {timeout} s")
                time.sleep(min(poll, left))
            else:
                time.sleep(poll)

    def stop(self) -> str:
        """Ask the job to stop (SIGTERM): the units in flight are dropped, the finished ones
        kept; the job goes Stopping, then Stopped. Its status after the request."""
        row = self.info()
        if row["status"] != "Executing":
            return row["status"]
        self.store.update(self.id, only_if=("Executing",), status="Stopping",
                          reason="stop requested")
        try:
            os.kill(row["pid"], signal.SIGTERM)
        except (ProcessLookupError, TypeError):
            pass
        return self.status()

    def result(self) -> Any:
        """The finished run's :class:`~assay.results.run_result.RunResult`."""
        from ..errors import RunStateError
        from ..results.run_result import load_run

        row = self.info()
        if not row.get("run_dir"):
            raise RunStateError(f"job {self.id} has no run directory ({row['status']}"
                                f"{': ' + row['reason'] if row.get('reason') else ''})")
        return load_run(row["run_dir"])

    def show_results(self) -> None:
        """Print the run's metrics as a table."""
        from rich.console import Console
        from rich.table import Table

        from ..reports.console import plain, safe_markup

        result = self.result()
        t = Table(title=f"{safe_markup(result.run_dir.name)}: {safe_markup(result.task)} "
                        f"[{safe_markup(result.model)}], {result.n_examples} examples, "
                        f"{result.n_errors} failed", title_justify="left")
        t.add_column("metric")
        t.add_column("value", justify="right")
        for name, value in result.metrics.items():
            text = f"{value:.4f}" if isinstance(value, float) else str(value)
            t.add_row(plain(name), plain(text))
        Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(t)

    def logs(self) -> str:
        """The job process's output so far (stdout and stderr)."""
        log = self.info().get("log")
        try:
            return Path(log).read_text(encoding="utf-8", errors="replace") if log else ""
        except OSError:
            return ""


def get_job(job_id: str) -> Job:
    """The job ``job_id`` (ConfigError when the store has none)."""
    job = Job(job_id)
    job.info()
    return job


def list_jobs() -> list[Job]:
    """Every job in the store, newest first."""
    store = JobStore()
    return [Job(row["id"], store) for row in store.all()]
