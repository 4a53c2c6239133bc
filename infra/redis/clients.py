"""Redis clients from a URL: asyncio for the edge, blocking for the projector."""

from __future__ import annotations

import redis
import redis.asyncio as aioredis


def async_client(url: str) -> aioredis.Redis:
    """Connects lazily; ``await client.aclose()`` at shutdown."""
    return aioredis.from_url(url)


def sync_client(url: str) -> redis.Redis:
    """Connects lazily; ``client.close()`` at shutdown."""
    return redis.Redis.from_url(url)
