"""Send admission in memory: a token bucket per user and the claims of
(conversation, client_msg_id), the oldest forgotten past a capacity. As in
Redis, a claim made within the unconfirmed window of the store's first
claim of that user is unconfirmed until ``confirm`` (a user the store was
told is new: confirmed from the first)."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime

from commands.admission import IN_FLIGHT_SECONDS, UNCONFIRMED_SECONDS, Admission
from commands.limits import Bucket
from infra.memory.limits import InMemoryRateLimiter

DEFAULT_CAPACITY = 1_000_000
ALWAYS = datetime.fromtimestamp(0, UTC)


class InMemorySendAdmission:
    def __init__(
        self, capacity: int = DEFAULT_CAPACITY, unconfirmed_seconds: float = UNCONFIRMED_SECONDS
    ) -> None:
        self._buckets = InMemoryRateLimiter()
        self._claims: OrderedDict[tuple[str, str], tuple[int, bool]] = OrderedDict()
        self._since: dict[str, datetime] = {}
        self._capacity = capacity
        self._unconfirmed_seconds = unconfirmed_seconds

    async def admit(
        self, user_id: str, claim: str, fresh_id: int, bucket: Bucket, now: datetime
    ) -> Admission:
        wait = await self._buckets.take(f"send:{user_id}", bucket, now)
        if wait > 0:
            return Admission(wait, 0)
        kept_for = (now - self._since.setdefault(user_id, now)).total_seconds()
        confirmed = kept_for >= self._unconfirmed_seconds
        owner, owner_confirmed = self._claims.setdefault((user_id, claim), (fresh_id, confirmed))
        if len(self._claims) > self._capacity:
            self._claims.popitem(last=False)
        in_flight = not owner_confirmed and kept_for < IN_FLIGHT_SECONDS
        return Admission(0.0, owner, owner_confirmed, in_flight)

    async def confirm(self, user_id: str, claim: str, message_id: int) -> None:
        self._claims[(user_id, claim)] = (message_id, True)

    async def new_user(self, user_id: str) -> None:
        self._since.setdefault(user_id, ALWAYS)
