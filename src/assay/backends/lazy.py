"""A second backend a task opens on first use: created from its :class:`ModelSpec` and
preflighted once, under a lock, in whichever process (a Ray replica too) first asks for it.

It pickles as its spec alone, so the task state that holds it can travel to a replica.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .base import ModelSpec, create_backend

__all__ = ["LazyBackend"]


class LazyBackend:
    """The backend of ``spec``, opened by :meth:`get` and closed by :meth:`aclose`."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self._backend: Any = None
        self._lock: asyncio.Lock | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["spec"])

    async def get(self) -> Any:
        """The backend, created (and preflighted, where it can be) on the first call."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._backend is None:
                backend = create_backend(self.spec)
                preflight = getattr(backend, "preflight", None)
                if preflight is not None:
                    await preflight()
                self._backend = backend
        return self._backend

    async def aclose(self) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            await backend.aclose()
