"""The edge registry in Redis, under one hash tag (one slot on Redis Cluster).

Keys: ``<p>{edges}:leases`` (zset edge id -> lease expiry ms) and
``<p>{edges}:urls`` (hash edge id -> public ws_url). Each change is one
script over both keys, so a reader never sees a live edge without its URL.
"""

from __future__ import annotations

from datetime import datetime

from commands.discovery import EdgeEntry
from infra.redis import keys
from infra.redis.clients import AsyncRedis

REGISTER = """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
"""

DEREGISTER = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""

LIVE = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, edge in ipairs(expired) do
  redis.call('ZREM', KEYS[1], edge)
  redis.call('HDEL', KEYS[2], edge)
end
local out = {}
for _, edge in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  table.insert(out, edge)
  table.insert(out, redis.call('HGET', KEYS[2], edge) or '')
end
return out
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisEdgeRegistry:
    def __init__(self, client: AsyncRedis, prefix: str) -> None:
        self._keys = [keys.edge_leases_key(prefix), keys.edge_urls_key(prefix)]
        self._register = client.register_script(REGISTER)
        self._deregister = client.register_script(DEREGISTER)
        self._live = client.register_script(LIVE)

    async def register(self, edge: EdgeEntry, now: datetime, ttl: float) -> None:
        until = _ms(now) + int(ttl * 1000)
        await self._register(keys=self._keys, args=[edge.edge_id, until, edge.ws_url])

    async def deregister(self, edge_id: str) -> None:
        await self._deregister(keys=self._keys, args=[edge_id])

    async def live(self, now: datetime) -> list[EdgeEntry]:
        flat = [_text(item) for item in await self._live(keys=self._keys, args=[_ms(now)])]
        edges = [EdgeEntry(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        return sorted(edges, key=lambda edge: edge.edge_id)
