"""Memberships the edge confirmed a moment ago, so that a burst of sends
into one conversation costs one read-model query instead of one per send.

Only "is a member" answers are kept, and only for ``seconds``: someone who
was never a member is always asked about afresh, and a member just added
is never refused by a stale answer. A member removed meanwhile may still
have a send accepted for that long; the processor decides membership
again against the aggregate, so such a send ends as a ``rejected`` frame
(PROTOCOL.md: "a send was refused after sent"), never as a message."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

DEFAULT_SECONDS = 5.0
DEFAULT_CAPACITY = 100_000


class MembershipReader(Protocol):
    async def is_member(self, conversation_id: str, user_id: str) -> bool: ...


class RecentMembers:
    def __init__(
        self,
        membership: MembershipReader,
        seconds: float = DEFAULT_SECONDS,
        capacity: int = DEFAULT_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._membership = membership
        self._seconds = seconds
        self._capacity = capacity
        self._clock = clock
        self._confirmed: OrderedDict[tuple[str, str], float] = OrderedDict()

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        key = (conversation_id, user_id)
        now = self._clock()
        confirmed_at = self._confirmed.get(key)
        if confirmed_at is not None and now - confirmed_at < self._seconds:
            return True
        if not await self._membership.is_member(conversation_id, user_id):
            self._confirmed.pop(key, None)
            return False
        self._remember(key, now)
        return True

    def _remember(self, key: tuple[str, str], now: float) -> None:
        self._confirmed[key] = now
        self._confirmed.move_to_end(key)
        while len(self._confirmed) > self._capacity:
            self._confirmed.popitem(last=False)
