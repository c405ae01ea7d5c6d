"""``run_python``: run untrusted Python (a model's code and its tests) in a subprocess
sandbox, for ``prime_code``.

What each run gets (see docs/rft.md for what this does and does not protect against):

* a fresh temporary directory as the working directory (and ``TMPDIR``), deleted afterwards;
  the program's stdout and stderr are files there, so ``RLIMIT_FSIZE`` caps them too;
* an environment with nothing inherited: only ``PATH=/usr/bin:/bin``, ``LANG=C.UTF-8``,
  ``TMPDIR``; the interpreter runs isolated (``python -I -S``: no ``PYTHON*`` variables, no
  user site, no site-packages, the script's folder not on ``sys.path``);
* resource limits set in the child before it executes (``preexec_fn``): ``RLIMIT_CPU``
  (CPU seconds), ``RLIMIT_AS`` (address space), ``RLIMIT_FSIZE`` (largest file),
  ``RLIMIT_NOFILE`` (open files), ``RLIMIT_CORE`` 0; and ``RLIMIT_NPROC`` (processes, so a
  fork bomb stops), set by the bootstrap once inside the namespaces, where it counts the
  processes of the sandbox's (unprivileged) user;
* when assay runs as root, the child enters a new network namespace itself and runs the
  program as ``nobody`` (uid 65534): root is exempt from ``RLIMIT_NPROC`` and could write
  anywhere;
* its own session and process group, killed as a whole (``SIGKILL``) after the wall-clock
  limit and again when the run ends, so no child outlives it (unless it calls ``setsid``);
* no network: a new network namespace (as an ordinary user: ``unshare --user --net``,
  which execs the interpreter in an unprivileged user namespace), with only a down loopback
  device.
  Where namespaces are not permitted, only the Python-level guard remains; it is always
  installed before the program runs and makes ``socket.socket``, ``SocketType``,
  ``create_connection``, ``create_server``, ``socketpair`` and ``fromfd`` (in ``socket`` and
  ``_socket``) raise ``PermissionError``.

``SandboxResult.isolation`` records which protections were active. ``available_isolation()``
probes once per process.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SandboxLimits", "SandboxResult", "run_python", "available_isolation",
           "SOCKET_GUARD"]

#: Python run before the program: blocks socket creation, then runs the program file.
SOCKET_GUARD = r'''
import sys, resource
_n = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NPROC, (_n, _n))
del _n
def _assay_blocked(*args, **kwargs):
    raise PermissionError("network access is disabled in the assay sandbox")
import socket as _s, _socket
class _BlockedSocket:
    def __new__(cls, *args, **kwargs):
        _assay_blocked()
for _mod in (_s, _socket):
    _mod.socket = _BlockedSocket
    _mod.SocketType = _BlockedSocket
    for _name in ("socketpair", "fromfd", "create_connection", "create_server"):
        if hasattr(_mod, _name):
            setattr(_mod, _name, _assay_blocked)
del _mod, _s, _socket
_path = sys.argv[1]
with open(_path, encoding="utf-8") as _f:
    _code = compile(_f.read(), "solution.py", "exec")
del _f, _path
exec(_code, {"__name__": "__main__", "__builtins__": __builtins__})
'''

_PROGRAM = "program.py"


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one run. ``max_processes`` is ``RLIMIT_NPROC``, set by the bootstrap inside
    the namespaces: there it counts the processes of the sandbox's user namespace (the
    ``unshare`` helper and the program are two); without namespaces it counts every process
    of the user, so any fork of the program fails."""

    cpu_seconds: int = 10
    wall_seconds: float = 20.0
    memory_bytes: int = 1 << 30
    max_processes: int = 8
    file_size_bytes: int = 16 << 20
    open_files: int = 64
    output_chars: int = 20_000
    #: when assay runs as root, the program runs as this user (nobody): root is exempt from
    #: RLIMIT_NPROC and may write anywhere
    unprivileged_uid: int = 65534


@dataclass(frozen=True)
class SandboxResult:
    """What became of one run. ``returncode`` is negative for a signal (``-9`` killed,
    ``-24`` SIGXCPU: the CPU limit); ``timed_out`` means the wall-clock limit killed it;
    ``isolation`` names the active protections (``netns``, ``unprivileged_user``,
    ``socket_guard``)."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    duration_s: float
    isolation: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Exited with status 0 inside its limits."""
        return self.returncode == 0 and not self.timed_out

    @property
    def cpu_limited(self) -> bool:
        return self.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and not self.timed_out


def _probe(args: list[str]) -> bool:
    try:
        r = subprocess.run([*args, "true"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={"PATH": "/usr/bin:/bin"}, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


_CLONE_NEWNET = 0x40000000
_NOBODY = 65534


def _enter_netns_and_drop(uid: int) -> None:
    """(In the child, as root.) A new network namespace, then the unprivileged user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _probe_root(python: str, uid: int) -> bool:
    try:
        r = subprocess.run([python, "-I", "-S", "-c", "pass"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"},
                           timeout=20, preexec_fn=lambda: _enter_netns_and_drop(uid),
                           cwd="/")
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


@functools.lru_cache(maxsize=4)
def _root_interpreter(uid: int) -> str | None:
    """The first interpreter the unprivileged user can run from a new network namespace:
    assay's own, else the system's (assay's may live under root's private home)."""
    for python in (os.path.realpath(sys.executable), "/usr/bin/python3",
                   "/usr/local/bin/python3"):
        if os.path.isfile(python) and _probe_root(python, uid):
            return python
    return None


@functools.lru_cache(maxsize=4)
def available_isolation(uid: int = _NOBODY) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(command prefix, protections)`` this system permits (``socket_guard`` is always added
    by :func:`run_python`).

    As root: the child enters a new network namespace itself and becomes ``uid`` (nobody)
    before executing (``netns``, ``unprivileged_user``): root would be exempt from
    ``RLIMIT_NPROC`` and could write anywhere. Otherwise: ``unshare --user --net`` (no
    ``--map-root-user``: root inside the namespace would be exempt from ``RLIMIT_NPROC``;
    no ``--pid``: it needs ``--fork``, and unshare then reports a program killed by a signal
    as exit status 1, hiding the CPU limit)."""
    if not sys.platform.startswith("linux"):
        return (), ()
    if os.geteuid() == 0:
        return ((), ("netns", "unprivileged_user")) if _root_interpreter(uid) else ((), ())
    unshare = shutil.which("unshare", path="/usr/bin:/bin")
    if unshare is None:
        return (), ()
    net = [unshare, "--user", "--net"]
    if _probe(net):
        return tuple(net), ("netns",)
    return (), ()


def _limiter(limits: SandboxLimits, drop_to: int | None):
    def preexec() -> None:
        cpu = max(1, int(limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_bytes,
                                                   limits.file_size_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if drop_to is not None:
            _enter_netns_and_drop(drop_to)
    return preexec


def _read(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError:
        return ""
    text = data[:limit].decode("utf-8", errors="replace")
    return text + ("...[truncated]" if len(data) > limit else "")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_python(code: str, *, limits: SandboxLimits = SandboxLimits(),
               isolate: bool = True) -> SandboxResult:
    """Run ``code`` as ``__main__`` under the sandbox (see the module docstring).

    ``isolate=False`` skips the namespaces (the socket guard and the limits stay). The
    temporary directory is removed whatever happens."""
    prefix, protections = available_isolation(limits.unprivileged_uid) if isolate \
        else ((), ())
    drop_to = limits.unprivileged_uid if "unprivileged_user" in protections else None
    work = Path(tempfile.mkdtemp(prefix="assay-sandbox-"))
    try:
        (work / _PROGRAM).write_text(code, encoding="utf-8")
        if drop_to is not None:
            os.chown(work, drop_to, drop_to)
        out, err = work / ".stdout", work / ".stderr"
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": str(work)}
        # a base interpreter (no venv needed: -S loads no site-packages)
        python = _root_interpreter(drop_to) if drop_to is not None else \
            os.path.realpath(sys.executable)
        argv = [*prefix, python, "-I", "-S", "-c", SOCKET_GUARD, _PROGRAM,
                str(limits.max_processes)]
        start = time.monotonic()
        timed_out = False
        with out.open("wb") as fo, err.open("wb") as fe:
            proc = subprocess.Popen(argv, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                    stdout=fo, stderr=fe, start_new_session=True,
                                    preexec_fn=_limiter(limits, drop_to), close_fds=True)
            try:
                proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc.pid)
                proc.wait()
            finally:
                _kill_group(proc.pid)
        duration = time.monotonic() - start
        return SandboxResult(returncode=proc.returncode,
                             stdout=_read(out, limits.output_chars),
                             stderr=_read(err, limits.output_chars), timed_out=timed_out,
                             duration_s=round(duration, 3),
                             isolation=(*protections, "socket_guard"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
