"""Which examples two runs share: matched by id (or by dataset position with ``--match
index``). Different item sets are refused unless the caller asks for the common ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DataError
from .run_data import ComparedRun

__all__ = ["Pairing", "pair_items"]

# the id a row without one gets: "<index:06d>-<blake2b of its content>" (data/gen_qa.py)
_DERIVED_ID = re.compile(r"^\d{6}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Pairing:
    keys: list[str]       # the common keys, in run A's order
    only_a: int
    only_b: int
    common_only: bool

    @property
    def dropped(self) -> int:
        return self.only_a + self.only_b

    def to_dict(self) -> dict[str, int | bool]:
        return {"common": len(self.keys), "only_a": self.only_a, "only_b": self.only_b,
                "dropped": self.dropped if self.common_only else 0,
                "common_only": self.common_only}


def _hint(a: ComparedRun, b: ComparedRun) -> str:
    if a.match == "id" and all(_DERIVED_ID.match(k) for r in (a, b) for k in list(r.items)[:50]):
        return ("; these rows have no \"id\", so each got one derived from its content "
                "(system prompt and responses included): give the rows an \"id\", or pair them "
                "by position with --match index")
    return ""


def pair_items(a: ComparedRun, b: ComparedRun, *, common_only: bool = False) -> Pairing:
    """The common examples of ``a`` and ``b``. Raises :class:`DataError` (exit 2) when the
    sets differ and ``common_only`` is off, or when nothing is in common."""
    keys = [k for k in a.items if k in b.items]
    only_a = len(a.items) - len(keys)
    only_b = len(b.items) - len(keys)
    counts = f"{only_a} only in A, {only_b} only in B, {len(keys)} in common"
    if not keys:
        raise DataError(f"the runs share no examples by {a.match} ({counts}){_hint(a, b)}")
    if (only_a or only_b) and not common_only:
        raise DataError(f"the runs are not on the same examples ({counts}); --common-only "
                        f"compares the {len(keys)} common ones{_hint(a, b)}")
    return Pairing(keys=keys, only_a=only_a, only_b=only_b, common_only=common_only)
