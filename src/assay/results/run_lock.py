"""One writer per run directory: an exclusive advisory lock held for the life of a run.

The lock is ``flock`` on ``<run dir>/.lock``. The operating system drops it when the holding
process exits for any reason (a SIGKILLed run leaves no stale lock, so it can be resumed at
once). The file holds the holder's PID, so a refused second writer can name it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import RunStateError

__all__ = ["RunLock", "LOCK_NAME", "lock_holder"]

LOCK_NAME = ".lock"


def lock_holder(run_dir: Path) -> int | None:
    """The PID of the process holding the run's lock, or None when no process holds it."""
    path = Path(run_dir) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class RunLock:
    """``acquire()`` or raise :class:`RunStateError` naming the PID that holds the run."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RunStateError(f"cannot create the run lock ({exc.strerror})",
                                file=self.path.parent) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            holder = f"process {text}" if text.isdigit() else "another process"
            raise RunStateError(f"run directory is in use by {holder}; wait for it to finish "
                                "or stop it first (one writer per run)",
                                file=self.path.parent) from None
        except OSError as exc:
            os.close(fd)
            raise RunStateError(f"cannot lock the run directory ({exc.strerror})",
                                file=self.path.parent) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        import fcntl

        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
