"""Fixtures for processor tests: sample events, user files, local HTTP servers (127.0.0.1 only)."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
USER_CODE = HERE / "user_code"
NOVA_FILE = USER_CODE / "nova_metrics.py"
KIT_FILE = USER_CODE / "eval_kit_metrics.py"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
BYOM = SAMPLES / "nova_byom_lambda"


@pytest.fixture
def byom() -> Path:
    if not BYOM.is_dir():
        pytest.skip("shared/samples/nova_byom_lambda not present beside the repository")
    return BYOM


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # respond(method_body: bytes) -> (status, body bytes, headers)
    respond: Callable[[bytes], tuple[int, bytes, dict]]
    requests: list

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client gave up (a timeout test); nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests.append(body)
        status, out, headers = self.server.respond(body)
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args) -> None:
        pass


def _serve(respond) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.respond = respond
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def url_of(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/invoke"


def lambda_server(handler) -> Iterator[_Server]:
    """Serve ``handler(event, None)`` like a Lambda function URL: JSON in, JSON out; an
    exception becomes HTTP 500 ``{"errorMessage", "errorType"}``."""

    def respond(body: bytes):
        try:
            out = handler(json.loads(body), None)
        except Exception as exc:  # noqa: BLE001 - reported to the client like Lambda does
            err = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return 500, json.dumps(err).encode(), {}
        return 200, json.dumps(out).encode(), {}

    yield from _serve(respond)


@pytest.fixture
def scripted_server():
    """A server answering from a queue of ``(status, json_or_bytes, headers[, delay_s])``;
    then 404."""
    replies: deque = deque()

    def respond(body: bytes):
        if not replies:
            return 404, b'{"error": "no scripted reply"}', {}
        status, out, headers, *delay = replies.popleft()
        if delay:
            time.sleep(delay[0])
        data = out if isinstance(out, bytes) else json.dumps(out).encode()
        return status, data, headers

    for server in _serve(respond):
        server.replies = replies  # type: ignore[attr-defined]
        yield server
