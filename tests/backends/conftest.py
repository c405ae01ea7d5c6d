"""Fixtures for backend tests: the embedded GGUF, a scripted HTTP server, a real llama.cpp server.

All network traffic stays on 127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


# -- the embedded model ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    pytest.importorskip("llama_cpp")
    from assay.backends.local import embedded_model_path
    from assay.errors import AssayError

    try:
        return embedded_model_path("smollm2")
    except AssayError as exc:
        pytest.skip(f"embedded model not installed: {exc}")


def run_loglikelihood(backend, requests):
    """``backend.loglikelihood(requests)`` in a fresh event loop, the backend closed after."""
    async def go():
        try:
            return await backend.loglikelihood(requests)
        finally:
            await backend.aclose()
    return asyncio.run(go())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- a scripted HTTP server ------------------------------------------------------------------
@dataclass
class Reply:
    """One scripted answer. ``mode``: ``normal``, ``hang`` (never answers), ``truncate``
    (announces more bytes than it sends, then closes), ``close`` (closes without a reply)."""

    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    mode: str = "normal"


def chat_payload(text: str = "hello world", *, logprobs: bool = False, k: int = 2,
                 finish_reason: str = "stop") -> dict:
    choice: dict = {"index": 0, "message": {"role": "assistant", "content": text},
                    "finish_reason": finish_reason}
    if logprobs:
        toks = [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))]
        choice["logprobs"] = {"content": [
            {"token": t, "logprob": -0.1 * (i + 1), "bytes": None,
             "top_logprobs": [{"token": t, "logprob": -0.1 * (i + 1), "bytes": None}]
             + [{"token": f"{t}~{j}", "logprob": -1.0 - j, "bytes": None} for j in range(1, k)]}
            for i, t in enumerate(toks)]}
    return {"id": "x", "object": "chat.completion", "model": "m", "choices": [choice],
            "usage": {"prompt_tokens": 5, "completion_tokens": len(text.split()),
                      "total_tokens": 5 + len(text.split())}}


class ScriptedServer:
    """Answers POSTs from a queue of :class:`Reply` (the last one repeats); records requests."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                with outer._lock:
                    outer.requests.append({"method": self.command, "path": self.path,
                                           "headers": dict(self.headers), "json": body})
                    reply = outer.replies[0] if outer.replies else Reply(404, {"error": "no script"})
                    if len(outer.replies) > 1:
                        outer.replies.popleft()
                if reply.mode == "hang":
                    outer.release.wait(30)
                    self.close_connection = True
                    return
                if reply.mode == "close":
                    self.close_connection = True
                    return
                data = reply.body if isinstance(reply.body, bytes) else (
                    reply.body.encode() if isinstance(reply.body, str) else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                if reply.mode == "truncate":
                    self.send_header("Content-Length", str(len(data) + 500))
                    self.end_headers()
                    self.wfile.write(data[: max(1, len(data) // 2)])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = _handle
            do_GET = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def script(self, *replies: Reply) -> "ScriptedServer":
        self.replies = deque(replies)
        self.requests.clear()
        return self

    def posts(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]

    def start(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def scripted_server():
    srv = ScriptedServer().start()
    try:
        yield srv
    finally:
        srv.stop()


# -- a real llama.cpp OpenAI-compatible server -----------------------------------------------
@dataclass
class LlamaServer:
    base_url: str
    proc: subprocess.Popen
    log: Path


@pytest.fixture(scope="module")
def llama_server(smollm2_path, tmp_path_factory):
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] not installed")
    import httpx

    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path),
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY") and not k.endswith("_proxy")}
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n"
                            + log.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{base}/models", timeout=1.0, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server not ready within 90 s:\n"
                            + log.read_text(errors="replace")[-3000:])
            time.sleep(0.25)
        yield LlamaServer(base, proc, log)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
