"""Send admission in memory: a token bucket per user and the claims of
(conversation, client_msg_id), the oldest forgotten past a capacity."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from commands.admission import Admission
from commands.limits import Bucket
from infra.memory.limits import InMemoryRateLimiter

DEFAULT_CAPACITY = 1_000_000


class InMemorySendAdmission:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._buckets = InMemoryRateLimiter()
        self._claims: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._capacity = capacity

    async def admit(
        self, user_id: str, claim: str, fresh_id: int, bucket: Bucket, now: datetime
    ) -> Admission:
        wait = await self._buckets.take(f"send:{user_id}", bucket, now)
        if wait > 0:
            return Admission(wait, 0)
        owner = self._claims.setdefault((user_id, claim), fresh_id)
        if len(self._claims) > self._capacity:
            self._claims.popitem(last=False)
        return Admission(0.0, owner)
