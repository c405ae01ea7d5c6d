"""Connection pooling for HTTP backends: a few small ``httpx.AsyncClient`` pools, not one big one.

httpcore's connection pool scans every connection for every queued request each time a
request starts or ends, so one client with 64 connections spends milliseconds of CPU per
request (measured: ~1 ms/request at 16 connections, ~6 ms at 64, against a 50 ms server;
``bench/perf2_openai.py``). :class:`ShardedClient` keeps ``ceil(limit / SHARD_SIZE)`` clients
of at most ``SHARD_SIZE`` connections and lends each request the client with the fewest
requests in flight, so a client never queues more than its own connections serve and the
scan stays short. Callers bound the total in flight themselves (a semaphore).

A client is tied to the event loop that opened its connections: :meth:`ShardedClient.for_loop`
gives the pool of the running loop and makes a fresh one for a new loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["ShardedClient", "SHARD_SIZE"]

#: connections per client; small enough that httpcore's per-request scan stays cheap
SHARD_SIZE = 8


class ShardedClient:
    """``limit`` connections spread over clients of at most :data:`SHARD_SIZE` each."""

    def __init__(self, make_client: Callable[[int], Any], limit: int) -> None:
        limit = max(1, int(limit))
        sizes = [min(SHARD_SIZE, limit - i) for i in range(0, limit, SHARD_SIZE)]
        self.clients = [make_client(n) for n in sizes]
        self.in_flight = [0] * len(self.clients)
        self.loop = asyncio.get_running_loop()

    @property
    def is_closed(self) -> bool:
        return any(c.is_closed for c in self.clients)

    @asynccontextmanager
    async def lease(self):
        """The client with the fewest requests in flight, for one request."""
        counts = self.in_flight
        i = counts.index(min(counts)) if len(counts) > 1 else 0
        counts[i] += 1
        try:
            yield self.clients[i]
        finally:
            counts[i] -= 1

    async def aclose(self) -> None:
        for client in self.clients:
            if not client.is_closed:
                try:
                    await client.aclose()
                except RuntimeError:  # its loop is gone; the sockets went with it
                    pass

    @classmethod
    def for_loop(cls, current: "ShardedClient | None", make_client: Callable[[int], Any],
                 limit: int) -> "ShardedClient":
        """``current`` when it belongs to the running loop and is open, else a new pool."""
        loop = asyncio.get_running_loop()
        if current is not None and current.loop is loop and not current.is_closed:
            return current
        return cls(make_client, limit)
