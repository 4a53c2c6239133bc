"""The blocks read model, as the edge asks it (a port): the paths the
processor cannot decide (typing, presence, group membership) check it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Blocks(Protocol):
    async def blocked_between(self, user_id: str, other_id: str) -> bool:
        """Whether either of the two has blocked the other."""
        ...

    async def blockers_of(self, user_id: str, among: Sequence[str]) -> frozenset[str]:
        """Those of ``among`` who have blocked ``user_id``."""
        ...


class NoBlocks:
    """Nobody blocked anybody (a gateway built without the blocks read model)."""

    async def blocked_between(self, user_id: str, other_id: str) -> bool:
        return False

    async def blockers_of(self, user_id: str, among: Sequence[str]) -> frozenset[str]:
        return frozenset()
