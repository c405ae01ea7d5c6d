"""Work planning: the dataset is cut into contiguous units with stable ids.

Unit ``i`` of a run holds rows ``[i*size, min(n, (i+1)*size))``. Its id is derived from the
run fingerprint and its row range, so the same run always plans the same units (a resumed
run, or a Ray executor spreading units over replicas, sees the same ids). Aggregates are
computed once from the merged records in dataset order, whatever executed the units.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["Unit", "plan_units", "default_unit_size"]


@dataclass(frozen=True, slots=True)
class Unit:
    ordinal: int
    start: int
    stop: int
    id: str

    @property
    def size(self) -> int:
        return self.stop - self.start


def default_unit_size(rows: int, cacheable: bool) -> int:
    """Small units for costly backends (little redone after a kill), large ones for free ones."""
    if cacheable:
        return 8
    return max(256, min(4096, rows // 64 or 1))


def plan_units(rows: int, size: int, fingerprint: str) -> list[Unit]:
    units = []
    for ordinal, start in enumerate(range(0, rows, size)):
        stop = min(rows, start + size)
        digest = hashlib.blake2b(f"{fingerprint}:{start}:{stop}".encode(), digest_size=4).hexdigest()
        units.append(Unit(ordinal, start, stop, f"u{ordinal:06d}-{digest}"))
    return units
