"""Presence in Redis: socket leases (edge, async) and the presence view
(projector, sync), each change one atomic Lua script.

Keys (``infra.redis.keys``): a user's leases, transition time and state,
and the index of users with leases that the sweeper reads, all under the
hash tag of the user's presence bucket, so each script touches one slot of
a Redis Cluster. The sweeper sweeps bucket by bucket (each bucket's script
runs on the master that holds it); the view keeps its chat.presence
offsets per bucket, and starts a partition after the highest of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import redis
import redis.asyncio.cluster as aiocluster

from commands.presence import ExpiredUser, SocketCapReached
from domain.presence import PresenceChanged, PresenceState
from infra.redis import keys
from infra.redis.clients import AsyncRedis, SyncRedis

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
SWEEP_AT_ONCE = 32
"""Concurrent sweep scripts on a cluster."""
log = logging.getLogger(__name__)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(ms: int) -> datetime | None:
    """A script's transition time in ms, or None (-1) for no transition."""
    return None if int(ms) < 0 else datetime.fromtimestamp(int(ms) / 1000, UTC)


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class RedisPresenceLeases:
    def __init__(self, client: AsyncRedis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._acquire: Any = client.register_script(ACQUIRE)
        self._release: Any = client.register_script(RELEASE)
        self._sweep: Any = client.register_script(SWEEP)

    def _keys(self, user_id: str) -> list[str]:
        return [
            keys.leases_key(self._prefix, user_id),
            keys.user_index_key(self._prefix, user_id),
            keys.transition_key(self._prefix, user_id),
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
        """Every bucket in one pipeline (per master), each with its share of
        ``limit``; buckets that used their whole share are swept again with
        what is left, until ``limit`` users or none left."""
        found: list[ExpiredUser] = []
        candidates = list(range(keys.PRESENCE_BUCKETS))
        while candidates and len(found) < limit:
            remaining = limit - len(found)
            batch, rest = candidates[:remaining], candidates[remaining:]
            share = remaining // len(batch)  # at least 1: never beyond the limit
            swept = await self._sweep_buckets(batch, now, ttl, share)
            found.extend(user for users in swept.values() for user in users)
            candidates = [b for b in batch if len(swept.get(b, ())) == share] + rest
        return found

    async def _sweep_buckets(
        self, buckets: list[int], now: datetime, ttl: float, share: int
    ) -> dict[int, list[ExpiredUser]]:
        """What each bucket's script returned. A bucket whose script failed
        (its master is away) is left out and swept in a later round; the
        others' users are kept, since their scripts removed them."""
        calls = {bucket: self._sweep_call(bucket, now, ttl, share) for bucket in buckets}
        results: dict[int, list[ExpiredUser]] = {}
        for attempt in range(2):
            pending = [b for b in calls if b not in results]
            answers = await self._evalsha_all([calls[bucket] for bucket in pending])
            unknown = False
            for bucket, answer in zip(pending, answers, strict=True):
                if isinstance(answer, redis.exceptions.NoScriptError):
                    unknown = True
                elif isinstance(answer, Exception):
                    log.warning("presence sweep of bucket %d failed: %s", bucket, answer)
                else:
                    results[bucket] = _expired(answer)
            if not unknown or attempt:
                return results
            await self._client.script_load(SWEEP)  # a master that never ran it
        return results

    async def _evalsha_all(self, calls: list[list[Any]]) -> list[Any]:
        """The sweep script's answers (or errors), in order: one pipeline on
        one Redis; on a cluster, whose redis-py pipelines refuse EVALSHA,
        SWEEP_AT_ONCE concurrent calls at a time."""
        sha = self._sweep.sha
        if isinstance(self._client, aiocluster.RedisCluster):
            answers: list[Any] = []
            for start in range(0, len(calls), SWEEP_AT_ONCE):
                batch = calls[start : start + SWEEP_AT_ONCE]
                runs = (self._client.evalsha(sha, 1, *call) for call in batch)
                answers += await asyncio.gather(*runs, return_exceptions=True)
            return answers
        async with self._client.pipeline(transaction=False) as pipe:
            for call in calls:
                pipe.evalsha(sha, 1, *call)
            return list(await pipe.execute(raise_on_error=False))

    def _sweep_call(self, bucket: int, now: datetime, ttl: float, share: int) -> list[Any]:
        tag = keys.presence_tag(self._prefix, bucket)
        index = keys.users_index_key(self._prefix, bucket)
        return [index, _ms(now), share, f"{tag}leases:", int(ttl * 1000), f"{tag}transition:"]


def _expired(flat: list[bytes]) -> list[ExpiredUser]:
    return [
        ExpiredUser(_text(user), datetime.fromtimestamp(int(at) / 1000, UTC))
        for user, at in zip(flat[::2], flat[1::2], strict=True)
    ]


class RedisPresenceView:
    """The projector's presence view (sync client)."""

    def __init__(self, client: SyncRedis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._apply: Any = client.register_script(APPLY)

    def apply(self, change: PresenceChanged, partition: int, offset: int) -> bool:
        bucket = keys.presence_bucket(change.user_id)
        script_keys = [
            keys.state_key(self._prefix, change.user_id),
            keys.presence_offset_key(self._prefix, bucket, partition),
        ]
        args = [change.status, change.at, _micros(change.moment), offset]
        return bool(self._apply(keys=script_keys, args=args))

    def start_offset(self, partition: int) -> int:
        """After the highest offset any bucket applied: a partition's records
        are applied one after the other, so all before it were applied."""
        pipe = self._client.pipeline(transaction=False)
        for bucket in range(keys.PRESENCE_BUCKETS):
            pipe.get(keys.presence_offset_key(self._prefix, bucket, partition))
        done = [int(_text(found)) for found in pipe.execute() if found is not None]
        return max(done) + 1 if done else 0


class RedisPresenceReader:
    """The edge's read of the presence view (async client)."""

    def __init__(self, client: AsyncRedis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    async def presence(self, user_id: str) -> PresenceState | None:
        found = await self._client.hmget(keys.state_key(self._prefix, user_id), ["status", "since"])
        if found[0] is None:
            return None
        return PresenceState(_text(found[0]), _text(found[1] or b""))

    async def presence_of_many(self, user_ids: Sequence[str]) -> dict[str, PresenceState]:
        async with self._client.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.hmget(keys.state_key(self._prefix, user_id), ["status", "since"])
            states = await pipe.execute()
        return {
            user_id: PresenceState(_text(found[0]), _text(found[1] or b""))
            for user_id, found in zip(user_ids, states, strict=True)
            if found[0] is not None
        }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
