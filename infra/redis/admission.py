"""Send admission in Redis: one Lua script takes the token from the sender's
bucket and claims (conversation, client_msg_id) with SET NX GET and a TTL.
Both keys carry the sender's hash tag, so the script touches one slot of a
Redis Cluster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.admission import CLAIM_TTL_SECONDS, Admission
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
if wait > 0 then return {tostring(wait), '0'} end
local owner = redis.call('SET', KEYS[2], ARGV[4], 'NX', 'GET', 'EX', ARGV[5])
if owner then return {'0', owner} end
return {'0', ARGV[4]}
"""


class RedisSendAdmission:
    def __init__(self, client: AsyncRedis, prefix: str) -> None:
        self._prefix = prefix
        self._admit: Any = client.register_script(ADMIT)

    async def admit(
        self, user_id: str, claim: str, fresh_id: int, bucket: Bucket, now: datetime
    ) -> Admission:
        script_keys = [
            keys.send_rate_key(self._prefix, user_id),
            keys.claim_key(self._prefix, user_id, claim),
        ]
        args = [bucket.burst, bucket.per_second, now.timestamp(), fresh_id, CLAIM_TTL_SECONDS]
        wait, owner = await self._admit(keys=script_keys, args=args)
        return Admission(float(_text(wait)), int(_text(owner)))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
