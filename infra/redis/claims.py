"""Send claims in Redis: SET NX with a TTL (the dedupe window at the edge)."""

from __future__ import annotations

import redis.asyncio as aioredis

DEFAULT_TTL_SECONDS = 7 * 24 * 3600


class RedisSendClaims:
    def __init__(self, client: aioredis.Redis, prefix: str, ttl: int = DEFAULT_TTL_SECONDS):
        self._client = client
        self._prefix = prefix
        self._ttl = ttl

    async def claim(self, key: str, message_id: int) -> int:
        redis_key = f"{self._prefix}claim:{key}"
        previous = await self._client.set(
            redis_key, str(message_id), nx=True, ex=self._ttl, get=True
        )
        return message_id if previous is None else int(previous)
