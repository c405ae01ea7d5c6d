"""Response cache: completions stored in SQLite, keyed by content.

The key is a SHA-256 over the backend's identity (model file digest or endpoint model), the
generation settings and the exact messages, so any change to any of them is a miss.
Each completion is committed as soon as it arrives, so a killed run loses nothing it paid for.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from .types import Completion, InferenceRequest

__all__ = ["ResponseCache", "cache_key"]


def cache_key(identity: dict[str, Any], request: InferenceRequest) -> str:
    payload = {
        "model": identity,
        "settings": request.settings.to_dict(),
        "messages": [m.to_dict() for m in request.messages],
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class ResponseCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                         "completion TEXT NOT NULL, created REAL)")
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Completion | None:
        row = self._db.execute("SELECT completion FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return Completion.from_dict(json.loads(row[0]))

    def put(self, key: str, completion: Completion) -> None:
        self._db.execute("INSERT OR REPLACE INTO responses (key, completion, created) VALUES (?, ?, ?)",
                         (key, json.dumps(completion.to_dict(), ensure_ascii=False), time.time()))

    def close(self) -> None:
        self._db.close()
