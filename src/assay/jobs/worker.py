"""The job process's side of a background job (``assay run`` started with
``$ASSAY_JOB_ID``): SIGTERM stops the run gracefully (the units in flight finish and are
written, no new one starts; a second SIGTERM cancels at once), the run can be resumed, and the
job's final status is written from the process's exit code.

======================  =====================================================================
exit code               job status
======================  =====================================================================
0                       Succeeded
3                       Succeeded, with a note: the run finished and wrote every output, but
                        some examples failed (each failure is recorded on its example)
130 (stopped)           Stopped
1, 2, 4, 5, other       Failed, with the last error line of the log as the reason
======================  =====================================================================
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from .store import ACTIVE, JobStore

__all__ = ["run_job_process", "final_status", "last_error_line"]


def last_error_line(log: str | Path | None, *, prefixes: tuple[str, ...] = (
        "error:", "gate failed:")) -> str | None:
    """The last line of a job's log that starts with one of ``prefixes``, else its last
    non-empty line (read from the log's last 64 KiB)."""
    if not log:
        return None
    try:
        with open(log, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 65536))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.startswith(prefixes):
            return line[:500]
    return lines[-1][:500] if lines else None


def final_status(code: int, log: str | Path | None, job_id: str = "ID"
                 ) -> tuple[str, str | None]:
    """``(status, reason)`` of a job whose process exited with ``code``."""
    if code == 0:
        return "Succeeded", None
    if code == 3:
        return "Succeeded", last_error_line(log, prefixes=("warning:",)) or \
            "some examples failed (exit 3); each failure is recorded on its example"
    if code == 130:
        return "Stopped", (f"stopped: finished units are kept; `assay jobs start --resume "
                           f"{job_id}` continues the run")
    return "Failed", last_error_line(log) or f"the job process exited with code {code}"


def _on_term(signum: int, frame: object) -> None:
    # the first SIGTERM asks the executor to stop after the units in flight (they finish and
    # are written; RunStopped, exit 130); a second one cancels at once, as Ctrl-C does.
    # runner.stop is imported before this handler is installed: importing it here could
    # meet a half-initialised assay.runner when the signal lands during the CLI's imports
    from ..runner.stop import request_stop, stop_requested

    if stop_requested():
        signal.raise_signal(signal.SIGINT)
    else:
        request_stop()


def run_job_process(main: Callable[[], int]) -> int:
    """Run ``main`` (the CLI) as the job ``$ASSAY_JOB_ID``; record its final status."""
    job_id = os.environ["ASSAY_JOB_ID"]
    store = JobStore()
    store.update(job_id, pid=os.getpid())
    import_module("assay.runner.stop")   # fully loaded before _on_term can run (see there)
    # a process started from a non-interactive shell may inherit SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_term)
    code = 1
    try:
        code = main()
    except SystemExit as exc:   # argparse errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)   # the status is written whatever comes
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        row = store.get(job_id) or {}
        status, reason = final_status(code, row.get("log"), job_id)
        store.close_steps(job_id, "Stopped" if status == "Stopped" else "Failed"
                          if status == "Failed" else "Succeeded", None)
        store.update(job_id, only_if=ACTIVE, status=status, reason=reason, exit_code=code,
                     ended=time.time())
        store.close()
    return code
