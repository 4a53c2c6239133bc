"""Send admission in Redis: one Lua script takes the token from the sender's
bucket and claims (conversation, client_msg_id) with SET NX GET and a TTL.
The keys carry the sender's hash tag, so the script touches one slot of a
Redis Cluster.

Beside the claims, ``claims-since`` (keys.claims_since_key) holds when this Redis began
keeping the user's claims (made with their first claim, renewed with each;
0, "always", when ``new_user`` made it): a claim made less than the
unconfirmed window after it is stored as ``?<id>`` (unconfirmed) until
``confirm`` stores history's id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.admission import (
    CLAIM_TTL_SECONDS,
    IN_FLIGHT_SECONDS,
    UNCONFIRMED_SECONDS,
    Admission,
)
from commands.limits import Bucket
from infra.redis import keys
from infra.redis.clients import AsyncRedis

ADMIT = """
local burst, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
if wait > 0 then return {tostring(wait), '0', '1', '0'} end
local since = tonumber(redis.call('GET', KEYS[3]) or '')
if since then
  redis.call('EXPIRE', KEYS[3], ARGV[5])
else
  since = now
  redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[5])
end
local value = ARGV[4]
if now - since < tonumber(ARGV[6]) then value = '?' .. ARGV[4] end
local owner = redis.call('SET', KEYS[2], value, 'NX', 'GET', 'EX', ARGV[5]) or value
if string.sub(owner, 1, 1) ~= '?' then return {'0', owner, '1', '0'} end
local in_flight = '0'
if now - since < tonumber(ARGV[7]) then in_flight = '1' end
return {'0', string.sub(owner, 2), '0', in_flight}
"""


class RedisSendAdmission:
    def __init__(
        self, client: AsyncRedis, prefix: str, unconfirmed_seconds: float = UNCONFIRMED_SECONDS
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._unconfirmed_seconds = unconfirmed_seconds
        self._admit: Any = client.register_script(ADMIT)

    async def admit(
        self, user_id: str, claim: str, fresh_id: int, bucket: Bucket, now: datetime
    ) -> Admission:
        script_keys = [
            keys.send_rate_key(self._prefix, user_id),
            keys.claim_key(self._prefix, user_id, claim),
            keys.claims_since_key(self._prefix, user_id),
        ]
        args = [
            bucket.burst,
            bucket.per_second,
            now.timestamp(),
            fresh_id,
            CLAIM_TTL_SECONDS,
            self._unconfirmed_seconds,
            IN_FLIGHT_SECONDS,
        ]
        wait, owner, confirmed, in_flight = await self._admit(keys=script_keys, args=args)
        return Admission(
            float(_text(wait)), int(_text(owner)), _text(confirmed) == "1", _text(in_flight) == "1"
        )

    async def confirm(self, user_id: str, claim: str, message_id: int) -> None:
        key = keys.claim_key(self._prefix, user_id, claim)
        await self._client.set(key, message_id, ex=CLAIM_TTL_SECONDS)

    async def new_user(self, user_id: str) -> None:
        key = keys.claims_since_key(self._prefix, user_id)
        await self._client.set(key, 0, ex=CLAIM_TTL_SECONDS, nx=True)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
