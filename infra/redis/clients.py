"""Redis clients from a URL: asyncio for the edge, blocking for the projector."""

from __future__ import annotations

import redis
import redis.asyncio as aioredis

EDGE_CONNECTIONS = 64
"""Connections the edge opens at most; a call waits for a free one."""
WAIT_FOR_CONNECTION = 5.0
CONNECT_TIMEOUT = 5.0
"""A connection attempt gives up after this long (without it, a connect that
never completes holds its caller forever: a socket's frame handler, and
with it the socket's reader, never to see the client leave)."""


def async_client(url: str) -> aioredis.Redis:
    """Connects lazily; ``await client.aclose()`` at shutdown. Calls beyond
    EDGE_CONNECTIONS at once wait (up to WAIT_FOR_CONNECTION s) instead of failing."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=EDGE_CONNECTIONS,
        timeout=WAIT_FOR_CONNECTION,
        socket_connect_timeout=CONNECT_TIMEOUT,
    )
    return aioredis.Redis(connection_pool=pool)


def sync_client(url: str) -> redis.Redis:
    """Connects lazily; ``client.close()`` at shutdown."""
    return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT)
