"""A fixed-latency OpenAI-compatible server for PERF-2 (API throughput), standard library only.

``POST /v1/chat/completions`` (and ``/v1/completions``) answers a fixed chat completion after
sleeping ``--latency-ms``; ``GET /v1/models`` answers at once. HTTP/1.1 keep-alive on a raw
``asyncio`` protocol (no framework, so the server's own CPU cost per request stays small and
the same for every client), any number of concurrent connections, 127.0.0.1 only. Counts the
requests it answered (``GET /stats``) so a benchmark can check that every request arrived.

    python bench/fixed_latency_server.py --port 0 --latency-ms 50   # prints "PORT <n>" once ready
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

__all__ = ["serve", "main"]

_CHAT = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": "bench",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "Paris is the capital of France."}}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
}).encode()
_MODELS = json.dumps({"object": "list", "data": [{"id": "bench", "object": "model"}]}).encode()


def _response(status: str, body: bytes) -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


class _Http(asyncio.Protocol):
    def __init__(self, latency: float, stats: dict) -> None:
        self.latency, self.stats = latency, stats
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.queue: list[tuple[float, bytes]] = []   # responses due, in request order

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            end = head_end + 4 + length
            if len(self.buf) < end:
                return
            self.buf = self.buf[end:]
            method, path = (head.split(" ", 2) + ["", ""])[:2]
            self._answer(method, path)

    def _answer(self, method: str, path: str) -> None:
        loop = asyncio.get_running_loop()
        if method == "POST" and path.rstrip("/").endswith(("/chat/completions", "/completions")):
            self.stats["requests"] += 1
            self._send_later(loop.time() + self.latency, _response("200 OK", _CHAT))
        elif method == "GET" and path.rstrip("/").endswith("/models"):
            self._send_later(loop.time(), _response("200 OK", _MODELS))
        elif method == "GET" and path.rstrip("/").endswith("/stats"):
            self._send_later(loop.time(), _response("200 OK", json.dumps(self.stats).encode()))
        else:
            self._send_later(loop.time(), _response("404 Not Found", b'{"error": "not found"}'))

    def _send_later(self, due: float, data: bytes) -> None:
        # HTTP/1.1 answers in request order on one connection (clients here never pipeline)
        self.queue.append((due, data))
        if len(self.queue) == 1:
            asyncio.get_running_loop().call_at(due, self._flush)

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self.queue and self.queue[0][0] <= loop.time():
            _, data = self.queue.pop(0)
            if self.transport is not None and not self.transport.is_closing():
                self.transport.write(data)
        if self.queue:
            loop.call_at(self.queue[0][0], self._flush)

    def connection_lost(self, exc) -> None:
        self.transport = None


async def serve(port: int, latency_ms: float, ready=None) -> None:
    stats = {"requests": 0}
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Http(latency_ms / 1000.0, stats),
                                      "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    args = ap.parse_args(argv)

    def ready(port: int) -> None:
        print(f"PORT {port}", flush=True)

    try:
        asyncio.run(serve(args.port, args.latency_ms, ready))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
