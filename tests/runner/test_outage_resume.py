"""REL-6: a real OpenAI-compatible server on 127.0.0.1 goes down part-way through a run and
comes back; ``--resume`` asks the transient failures again, and the results equal those of an
uninterrupted run. No example that was answered and recorded is requested twice."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assay.cli.app import main
from tests.conftest import write_jsonl, write_recipe

pytestmark = pytest.mark.timeout(120)


class _Server:
    """A deterministic chat-completions server that can stop after ``die_after`` answers."""

    def __init__(self, port: int, answered: list[str], die_after: int | None = None) -> None:
        self.answered = answered
        self.die_after = die_after
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # the backend's preflight lists models
                self._send({"object": "list", "data": [{"id": "m", "object": "model"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                query = body["messages"][-1]["content"]
                self._send({"id": "x", "object": "chat.completion", "model": "m", "choices": [
                    {"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": query.upper()}}],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 2}})
                with outer.lock:
                    outer.answered.append(query)
                    if outer.die_after is not None and len(outer.answered) == outer.die_after:
                        threading.Thread(target=outer.stop, daemon=True).start()

            def _send(self, doc):
                data = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.stopped = threading.Event()

    def stop(self) -> None:
        if not self.stopped.is_set():
            self.stopped.set()
            self.httpd.shutdown()
            self.httpd.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _args(recipe: Path, data: Path, out: Path, port: int, *extra: str) -> list[str]:
    return ["run", str(recipe), "--data", str(data), "--output-dir", str(out),
            "-m", "openai/m", "-M", f"base_url=http://127.0.0.1:{port}/v1",
            "-M", "max_retries=1", "-M", "retry_base_delay=0.01", "-M", "retry_max_delay=0.02",
            "-M", "timeout=5", "--concurrency", "2", "--set", "assay.unit_size=4",
            "--group-by", "kind", "--no-cache", "--progress", "none", "--quiet", *extra]


def test_outage_then_resume_equals_an_uninterrupted_run(tmp_path, capsys):
    rows = [{"query": f"question {i}", "response": f"QUESTION {i}" if i % 3 else "no",
             "metadata": json.dumps({"kind": "ab"[i % 2]})} for i in range(60)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    port = _free_port()

    ref_answers: list[str] = []
    server = _Server(port, ref_answers)
    try:
        assert main(_args(recipe, data, tmp_path / "ref", port)) == 0
    finally:
        server.stop()
    assert sorted(ref_answers) == sorted(r["query"] for r in rows)

    answered: list[str] = []
    server = _Server(port, answered, die_after=18)
    try:
        code = main(_args(recipe, data, tmp_path / "cut", port))
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert code in (3, 4), err                       # failures recorded, or aborted
    run = tmp_path / "cut" / "t"
    recorded = [json.loads(x) for unit in sorted((run / "units").glob("*.jsonl"))
                for x in unit.read_text().splitlines()]
    failed = [r for r in recorded if r["error"]]
    assert failed and all(r["error"]["kind"] == "connection" for r in failed)
    ok_before = {r["query"] for r in recorded if not r["error"]}
    n_cut = len(answered)       # 18, or one or two more answered while the server stopped
    assert n_cut >= 18 and ok_before <= set(answered)

    server = _Server(port, answered)
    try:
        code = main(_args(recipe, data, tmp_path / "cut", port, "--resume"))
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"asking {len(failed)} failed example(s) again" in err
    # results equal the uninterrupted run's, byte for byte
    assert (run / "metrics.json").read_bytes() == (tmp_path / "ref" / "t" / "metrics.json"
                                                   ).read_bytes()
    ref_nova = json.loads(next((tmp_path / "ref" / "t" / "eval_results").glob("*.json")
                               ).read_text())["results"]
    cut_nova = json.loads(next((run / "eval_results").glob("*.json")).read_text())["results"]
    assert ref_nova == cut_nova
    # every example answered exactly once after it was recorded: none recorded twice
    after_resume = answered[n_cut:]
    assert not ok_before & set(after_resume)
    assert sorted(ok_before | set(after_resume)) == sorted(r["query"] for r in rows)
    lines = (run / "examples.jsonl").read_text().splitlines()
    assert [json.loads(x)["index"] for x in lines] == list(range(60))


def test_deterministic_failures_are_kept_unless_retry_errors_all(tmp_path, capsys):
    """A processor exception is not transient: a resume keeps it; --retry-errors all asks it
    again."""
    rows = [{"query": f"q {i}", "response": f"q {i}"} for i in range(60)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    log = tmp_path / "requests.log"
    base = ["run", str(recipe), "--data", str(data), "--output-dir", str(tmp_path / "out"),
            "-m", "mock/echo", "-M", f"request_log={log}", "-M", "fail_every=30",
            "--set", "assay.unit_size=5", "--progress", "none", "--quiet"]
    assert main(base) == 3
    first = log.read_text().split()
    assert main(base + ["--resume"]) == 3          # model errors of kind 'model': kept
    assert log.read_text().split() == first
    assert main(base + ["--resume", "--retry-errors", "all"]) == 3   # asked again, fail again
    again = log.read_text().split()[len(first):]
    assert sorted(again) == ["29", "59"]
    capsys.readouterr()
