"""Is Redis reachable: PING, bounded."""

from __future__ import annotations

import redis


def ping_redis(url: str, timeout: float) -> None:
    """Raises redis.RedisError unless a fresh connection answers PING."""
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
