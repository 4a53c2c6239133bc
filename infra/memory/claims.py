"""In-memory send claims (first message id for a client_msg_id wins)."""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_CAPACITY = 1_000_000


class InMemorySendClaims:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._claims: OrderedDict[str, int] = OrderedDict()
        self._capacity = capacity

    async def claim(self, key: str, message_id: int) -> int:
        owner = self._claims.setdefault(key, message_id)
        if len(self._claims) > self._capacity:
            self._claims.popitem(last=False)
        return owner
