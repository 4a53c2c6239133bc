"""Presence in Redis: socket leases (edge, async) and the presence view
(projector, sync), each change one atomic Lua script.

Keys: ``<p>presence:leases:<user>`` (zset lease -> expiry ms),
``<p>presence:users`` (zset user -> latest lease expiry ms, for the sweeper),
``<p>presence:state:<user>`` (hash status, since, since_us) and
``<p>presence:offset:<partition>`` (last applied chat.presence offset).
The sweeper touches per-user keys it finds in the users zset, so these
scripts need one Redis (or hash-tagged keys) rather than a cluster-wide spread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import redis
import redis.asyncio as aioredis

from commands.presence import ExpiredUser, SocketCapReached
from domain.presence import PresenceChanged, PresenceState

# Transition times: ``at``, or 1 ms after the user's previous transition.
TRANSITION = """
local function transition(key, at)
  local previous = tonumber(redis.call('GET', key) or '-1')
  if at <= previous then at = previous + 1 end
  redis.call('SET', key, at, 'PX', 86400000)  -- far beyond any clock skew
  return at
end
"""

ACQUIRE = (
    TRANSITION
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local before = redis.call('ZCARD', KEYS[1])
local cap = tonumber(ARGV[5])
if cap > 0 and before >= cap and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return -2  -- the cap: checked and refused in the same step as the take
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[2], latest[2], ARGV[4])
if before == 0 then return transition(KEYS[3], tonumber(ARGV[2])) end
return -1
"""
)

RELEASE = (
    TRANSITION
    + """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return transition(KEYS[3], tonumber(ARGV[2]))
end
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[2], latest[2], ARGV[3])
return -1
"""
)

SWEEP = (
    TRANSITION
    + """
local users = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, user in ipairs(users) do
  local key = ARGV[3] .. user
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  local last = tonumber(ARGV[1])
  if #latest > 0 then last = tonumber(latest[2]) end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) == 0 then
    redis.call('ZREM', KEYS[1], user)
    table.insert(out, user)
    table.insert(out, tostring(transition(ARGV[5] .. user, last - tonumber(ARGV[4]))))
  else
    local live = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    redis.call('ZADD', KEYS[1], live[2], user)
  end
end
return out
"""
)

APPLY = """
local done = redis.call('GET', KEYS[2])
if done and tonumber(done) >= tonumber(ARGV[4]) then return 0 end
redis.call('SET', KEYS[2], ARGV[4])
local current = redis.call('HMGET', KEYS[1], 'since_us', 'status')
if current[1] then
  local was, now = tonumber(current[1]), tonumber(ARGV[3])
  if now < was then return 0 end
  if now == was and not (ARGV[1] == 'offline' and current[2] == 'online') then return 0 end
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'since', ARGV[2], 'since_us', ARGV[3])
return 1
"""


CAP_REACHED = -2


def lease_key(prefix: str, user_id: str) -> str:
    """The user's socket leases (zset ``<edge id>:<socket>`` -> expiry ms):
    also where per-edge fan-out finds the edges holding the user's sockets."""
    return f"{prefix}presence:leases:{user_id}"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(ms: int) -> datetime | None:
    """A script's transition time in ms, or None (-1) for no transition."""
    return None if int(ms) < 0 else datetime.fromtimestamp(int(ms) / 1000, UTC)


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class RedisPresenceLeases:
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._acquire: Any = client.register_script(ACQUIRE)
        self._release: Any = client.register_script(RELEASE)
        self._sweep: Any = client.register_script(SWEEP)

    def _keys(self, user_id: str) -> list[str]:
        return [
            lease_key(self._prefix, user_id),
            f"{self._prefix}presence:users",
            f"{self._prefix}presence:transition:{user_id}",
        ]

    async def acquire(
        self, user_id: str, lease_id: str, now: datetime, ttl: float, cap: int = 0
    ) -> datetime | None:
        expiry = _ms(now) + int(ttl * 1000)
        args = [lease_id, _ms(now), expiry, user_id, cap]
        result = int(await self._acquire(keys=self._keys(user_id), args=args))
        if result == CAP_REACHED:
            raise SocketCapReached(f"{cap} sockets open")
        return _moment(result)

    async def live(self, user_id: str, now: datetime) -> int:
        return int(await self._client.zcount(self._keys(user_id)[0], _ms(now) + 1, "+inf"))

    async def release(self, user_id: str, lease_id: str, now: datetime) -> datetime | None:
        args = [lease_id, _ms(now), user_id]
        return _moment(await self._release(keys=self._keys(user_id), args=args))

    async def sweep(self, now: datetime, ttl: float, limit: int) -> list[ExpiredUser]:
        keys = [f"{self._prefix}presence:users"]
        args = [
            _ms(now),
            limit,
            f"{self._prefix}presence:leases:",
            int(ttl * 1000),
            f"{self._prefix}presence:transition:",
        ]
        flat = await self._sweep(keys=keys, args=args)
        return [
            ExpiredUser(_text(user), datetime.fromtimestamp(int(at) / 1000, UTC))
            for user, at in zip(flat[::2], flat[1::2], strict=True)
        ]


class RedisPresenceView:
    """The projector's presence view (sync client)."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._apply: Any = client.register_script(APPLY)

    def apply(self, change: PresenceChanged, partition: int, offset: int) -> bool:
        keys = [
            f"{self._prefix}presence:state:{change.user_id}",
            f"{self._prefix}presence:offset:{partition}",
        ]
        args = [change.status, change.at, _micros(change.moment), offset]
        return bool(self._apply(keys=keys, args=args))

    def start_offset(self, partition: int) -> int:
        done = self._client.get(f"{self._prefix}presence:offset:{partition}")
        return 0 if done is None else int(_text(done)) + 1


class RedisPresenceReader:
    """The edge's read of the presence view (async client)."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    async def presence(self, user_id: str) -> PresenceState | None:
        found = await self._client.hmget(
            f"{self._prefix}presence:state:{user_id}", ["status", "since"]
        )
        if found[0] is None:
            return None
        return PresenceState(_text(found[0]), _text(found[1] or b""))

    async def presence_of_many(self, user_ids: Sequence[str]) -> dict[str, PresenceState]:
        async with self._client.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.hmget(f"{self._prefix}presence:state:{user_id}", ["status", "since"])
            states = await pipe.execute()
        return {
            user_id: PresenceState(_text(found[0]), _text(found[1] or b""))
            for user_id, found in zip(user_ids, states, strict=True)
            if found[0] is not None
        }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
