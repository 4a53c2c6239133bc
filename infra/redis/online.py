"""Who is online, read from the presence view the presence projector keeps
(``infra.redis.keys.state_key``), with a sync client
for the notifier's thread: one pipelined round trip per message."""

from __future__ import annotations

from collections.abc import Sequence

from domain.presence import ONLINE
from infra.redis.clients import SyncRedis
from infra.redis.keys import state_key


class RedisOnlineStatus:
    def __init__(self, client: SyncRedis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def online(self, user_ids: Sequence[str]) -> frozenset[str]:
        pipeline = self._client.pipeline(transaction=False)
        for user_id in user_ids:
            pipeline.hget(state_key(self._prefix, user_id), "status")
        statuses = pipeline.execute()
        return frozenset(
            user_id
            for user_id, status in zip(user_ids, statuses, strict=True)
            if status is not None and _text(status) == ONLINE
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
