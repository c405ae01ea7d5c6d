"""The code sandbox: limits, isolation and clean-up, each measured on a real run.

Every test is bounded: low CPU / wall limits, few processes, and pytest never waits on a
sandboxed program longer than its wall limit."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from assay.rewards.sandbox import SandboxLimits, available_isolation, run_python

FAST = SandboxLimits(cpu_seconds=2, wall_seconds=5.0, max_processes=8)
pytestmark = pytest.mark.skipif(not os.name == "posix", reason="POSIX rlimits")


def test_ok_and_failure_and_output():
    r = run_python("print('hi'); import sys; print('err', file=sys.stderr)", limits=FAST)
    assert r.ok and r.stdout == "hi\n" and r.stderr == "err\n"
    r = run_python("assert 1 == 2, 'nope'", limits=FAST)
    assert not r.ok and r.returncode == 1 and "AssertionError: nope" in r.stderr
    assert "socket_guard" in r.isolation


def test_isolated_interpreter_and_empty_environment(monkeypatch):
    monkeypatch.setenv("ASSAY_SECRET_TEST_KEY", "sk-should-not-leak")
    code = ("import os, sys\n"
            "print(os.environ.get('ASSAY_SECRET_TEST_KEY'))\n"
            "print(sorted(os.environ))\n"
            "print(sys.flags.isolated, sys.flags.no_site)\n")
    r = run_python(code, limits=FAST)
    lines = r.stdout.splitlines()
    assert r.ok and lines[0] == "None"
    assert set(eval(lines[1])) <= {"PATH", "LANG", "TMPDIR", "LC_CTYPE"}
    assert lines[2] == "1 1"


def test_infinite_loop_is_stopped_by_the_cpu_limit():
    r = run_python("while True:\n    pass\n",
                   limits=SandboxLimits(cpu_seconds=1, wall_seconds=10.0))
    assert not r.ok and not r.timed_out and r.cpu_limited
    assert r.duration_s < 8


def test_sleeping_program_is_stopped_by_the_wall_clock():
    r = run_python("import time\ntime.sleep(60)\n",
                   limits=SandboxLimits(cpu_seconds=5, wall_seconds=1.0))
    assert r.timed_out and not r.ok and r.returncode == -9 and r.duration_s < 5


def test_fork_bomb_is_contained():
    code = ("import os\n"
            "n = 0\n"
            "for _ in range(200):\n"
            "    try:\n"
            "        pid = os.fork()\n"
            "    except OSError:\n"
            "        break\n"
            "    if pid == 0:\n"
            "        import time; time.sleep(30); os._exit(0)\n"
            "    n += 1\n"
            "print(n)\n")
    r = run_python(code, limits=SandboxLimits(cpu_seconds=2, wall_seconds=5.0,
                                              max_processes=4))
    assert r.ok, r.stderr
    assert int(r.stdout) < 4        # RLIMIT_NPROC stopped the forks at once
    # the sleeping children died with the process group


def test_no_network_to_a_port_the_test_listens_on():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(3.0)
    port = server.getsockname()[1]
    accepted = []

    def accept():
        try:
            conn, _ = server.accept()
            accepted.append(conn)
        except OSError:
            pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    code = ("import socket\n"
            f"s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "s.sendall(b'leak')\n")
    try:
        r = run_python(code, limits=FAST)
        t.join(timeout=4)
    finally:
        server.close()
    assert not r.ok and "PermissionError" in r.stderr
    assert accepted == []
    # with the guard off (isolate still on), the namespace alone blocks it where permitted
    _, protections = available_isolation()
    if "netns" in protections:
        raw = ("import _socket\n"
               "s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)\n")
        r2 = run_python(raw, limits=FAST)
        assert not r2.ok     # the guard also replaced _socket.socket


def test_network_namespace_blocks_even_when_the_guard_is_bypassed():
    _, protections = available_isolation()
    if "netns" not in protections:
        pytest.skip("network namespaces are not permitted here; only the socket guard runs")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    # find the real socket type behind the guard's back: the guard is bypassed, the
    # namespace stays
    code = ("def walk(c):\n"
            "    for s in type.__subclasses__(c):\n"
            "        yield s\n"
            "        yield from walk(s)\n"
            "real = next(c for c in walk(object) if c.__name__ == 'socket'\n"
            "            and c.__module__ in ('_socket', 'socket'))\n"
            "s = real(2, 1)\n"
            "print('created', flush=True)\n"
            "s.settimeout(2)\n"
            f"s.connect(('127.0.0.1', {port}))\n"
            "print('connected')\n")
    try:
        r = run_python(code, limits=FAST)
        control = run_python(code, limits=FAST, isolate=False)   # the guard alone
    finally:
        server.close()
    assert "created" in r.stdout and "connected" not in r.stdout and not r.ok
    assert "OSError" in r.stderr
    # without the namespace the bypass reaches the port: the guard is no security boundary
    assert "connected" in control.stdout


def test_working_directory_is_fresh_and_removed():
    r = run_python("import os\nprint(os.getcwd())\nopen('x.txt', 'w').write('data')\n"
                   "print(sorted(os.listdir('.')))\n", limits=FAST)
    cwd, listing = r.stdout.splitlines()
    assert "assay-sandbox-" in cwd and "x.txt" in listing
    assert not Path(cwd).exists()


def test_writing_outside_the_temp_dir(tmp_path):
    """Documented in docs/rft.md: as an ordinary user the program may write wherever that
    user may; when assay runs as root it runs as nobody, which cannot write root's folders.
    RLIMIT_FSIZE bounds every file's size."""
    target = tmp_path / "outside.txt"
    r = run_python(f"open({str(target)!r}, 'w').write('written')\n", limits=FAST)
    if "unprivileged_user" in r.isolation:
        assert not r.ok and "PermissionError" in r.stderr and not target.exists()
    else:
        assert r.ok and target.read_text() == "written"
    r = run_python("open('big.bin', 'wb').write(b'0' * (4 << 20))\n",
                   limits=SandboxLimits(cpu_seconds=2, wall_seconds=5.0,
                                        file_size_bytes=1 << 20))
    assert not r.ok and "File too large" in r.stderr   # Python ignores SIGXFSZ: EFBIG


def test_memory_limit():
    r = run_python("x = bytearray(600 << 20)\n",
                   limits=SandboxLimits(cpu_seconds=2, wall_seconds=5.0,
                                        memory_bytes=256 << 20))
    assert not r.ok and "MemoryError" in r.stderr
