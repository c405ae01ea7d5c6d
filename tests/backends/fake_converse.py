"""A local fake of the Bedrock Converse endpoint, for tests (127.0.0.1 only, bounded waits).

``POST /model/{modelId}/converse`` with a JSON body, as boto3 sends it with
``endpoint_url=http://127.0.0.1:PORT``. SigV4 signatures are not verified, but the
``Authorization`` header must name a credential scope ``<key id>/<date>/<region>/bedrock/aws4_request``
(kept in ``requests`` so tests can check the region). The body is checked the way Bedrock
checks it: a non-empty ``messages`` list starting with a user turn, roles alternating, each
content block exactly one of ``text``/``image``, an image's ``format`` one of
png/jpeg/gif/webp and its ``source.bytes`` base64 (JSON carries blob bytes as base64), only
known ``inferenceConfig`` keys. A bad body is answered 400 ``ValidationException``.

Answers: ``fail(code, status, times)`` queues errors (``x-amzn-ErrorType`` header, as AWS
sends); otherwise ``answer(request)`` (default: ``"echo: <last user text>"``) gives the text,
or a :class:`FakeError` to answer that request with an error.
Every request is recorded as a :class:`Seen` (model id, decoded body, decoded image bytes).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

__all__ = ["FakeConverse", "FakeError", "Seen"]

_PATH = re.compile(r"^/model/(?P<model>[^/]+)/converse$")
_SCOPE = re.compile(r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/"
                    r"aws4_request")
_FORMATS = {"png", "jpeg", "gif", "webp"}
_INFERENCE_KEYS = {"maxTokens", "temperature", "topP", "stopSequences"}
_TOP_KEYS = {"messages", "system", "inferenceConfig", "additionalModelRequestFields",
             "toolConfig", "guardrailConfig", "additionalModelResponseFieldPaths",
             "promptVariables", "requestMetadata", "performanceConfig"}


@dataclass
class Seen:
    """One request as the fake received it."""

    model: str
    body: dict
    access_key_id: str | None
    region: str | None
    service: str | None
    images: list[tuple[str, bytes]] = field(default_factory=list)   # (format, decoded bytes)

    def last_user_text(self) -> str:
        for msg in reversed(self.body.get("messages", [])):
            if msg.get("role") == "user":
                return "".join(b.get("text", "") for b in msg["content"])
        return ""


@dataclass(frozen=True)
class FakeError:
    """What ``answer`` returns to answer a request with an AWS error instead of text."""

    code: str
    status: int
    message: str


class _Invalid(Exception):
    pass


def _check(body: object) -> list[tuple[str, bytes]]:
    """Bedrock's checks of a Converse body; the decoded images, or :class:`_Invalid`."""
    if not isinstance(body, dict):
        raise _Invalid("body must be an object")
    extra = set(body) - _TOP_KEYS
    if extra:
        raise _Invalid(f"unknown fields {sorted(extra)}")
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        raise _Invalid("messages must be a non-empty list")
    images = []
    for i, m in enumerate(msgs):
        want = "user" if i % 2 == 0 else "assistant"
        if m.get("role") != want:
            raise _Invalid(f"messages[{i}].role must be {want} (roles alternate, user first)")
        content = m.get("content")
        if not isinstance(content, list) or not content:
            raise _Invalid(f"messages[{i}].content must be a non-empty list")
        for j, block in enumerate(content):
            if not isinstance(block, dict) or len(block) != 1:
                raise _Invalid(f"messages[{i}].content[{j}] must have exactly one member")
            if "text" in block:
                if not isinstance(block["text"], str) or not block["text"].strip():
                    raise _Invalid(f"messages[{i}].content[{j}].text is blank")
            elif "image" in block:
                img = block["image"]
                if img.get("format") not in _FORMATS:
                    raise _Invalid(f"messages[{i}].content[{j}].image.format is invalid")
                try:
                    data = base64.b64decode(img["source"]["bytes"], validate=True)
                except (KeyError, TypeError, binascii.Error):
                    raise _Invalid(f"messages[{i}].content[{j}].image.source.bytes "
                                   "must be base64") from None
                images.append((img["format"], data))
            else:
                raise _Invalid(f"messages[{i}].content[{j}]: unexpected block {sorted(block)}")
    for j, block in enumerate(body.get("system") or []):
        if set(block) != {"text"}:
            raise _Invalid(f"system[{j}] must be a text block")
    cfg = body.get("inferenceConfig") or {}
    if set(cfg) - _INFERENCE_KEYS:
        raise _Invalid(f"inferenceConfig has unknown keys {sorted(set(cfg) - _INFERENCE_KEYS)}")
    return images


class FakeConverse:
    """Start with ``with FakeConverse() as fake:``; ``fake.url`` is the ``endpoint_url``."""

    def __init__(self, answer: Callable[[Seen], "str | FakeError"] | None = None, *,
                 stop_reason: str = "end_turn") -> None:
        self.answer = answer or (lambda seen: "echo: " + seen.last_user_text())
        self.stop_reason = stop_reason
        self.requests: list[Seen] = []
        self.errors: deque[tuple[str, int, str]] = deque()
        self.rejected: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------
    def fail(self, code: str, status: int, times: int = 1, message: str | None = None) -> None:
        """The next ``times`` requests are answered with this AWS error."""
        for _ in range(times):
            self.errors.append((code, status, message or f"fake {code}"))

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeConverse":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10   # a stuck client cannot hold a server thread for long

            def log_message(self, *args) -> None:   # keep test output clean
                pass

            def do_POST(self) -> None:   # noqa: N802 - http.server's name
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    # -- one request ------------------------------------------------------------------------
    def _send(self, h: BaseHTTPRequestHandler, status: int, doc: dict,
              error_type: str | None = None) -> None:
        data = json.dumps(doc).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("x-amzn-RequestId", "fake-request-id")
        if error_type:
            h.send_header("x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/coral/")
        h.end_headers()
        h.wfile.write(data)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        m = _PATH.match(h.path.split("?", 1)[0])
        if m is None:
            self._send(h, 404, {"message": f"no route {h.path}"}, "UnknownOperationException")
            return
        scope = _SCOPE.search(h.headers.get("Authorization") or "")
        try:
            body = json.loads(raw or b"{}")
            images = _check(body)
        except (ValueError, _Invalid) as exc:
            with self._lock:
                self.rejected.append(str(exc))
            self._send(h, 400, {"message": f"Malformed input request: {exc}"},
                       "ValidationException")
            return
        seen = Seen(model=unquote(m.group("model")), body=body,
                    access_key_id=scope and scope.group("key"),
                    region=scope and scope.group("region"),
                    service=scope and scope.group("service"), images=images)
        with self._lock:
            self.requests.append(seen)
            error = self.errors.popleft() if self.errors else None
        if error is not None:
            code, status, message = error
            self._send(h, status, {"message": message}, code)
            return
        text = self.answer(seen)
        if isinstance(text, FakeError):
            self._send(h, text.status, {"message": text.message}, text.code)
            return
        words = len(seen.last_user_text().split())
        self._send(h, 200, {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": self.stop_reason,
            "usage": {"inputTokens": words, "outputTokens": len(text.split()),
                      "totalTokens": words + len(text.split())},
            "metrics": {"latencyMs": 1},
        })
