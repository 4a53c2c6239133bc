"""Token buckets in Redis: one Lua script per take, so every edge shares them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.limits import Bucket
from infra.redis.clients import AsyncRedis
from infra.redis.keys import rate_key

TAKE = """
local burst, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
    def __init__(self, client: AsyncRedis, prefix: str) -> None:
        self._prefix = prefix
        self._take: Any = client.register_script(TAKE)

    async def take(self, key: str, bucket: Bucket, now: datetime) -> float:
        args = [bucket.burst, bucket.per_second, now.timestamp()]
        wait = await self._take(keys=[rate_key(self._prefix, key)], args=args)
        return float(wait.decode() if isinstance(wait, bytes) else wait)
