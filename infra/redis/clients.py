"""Redis clients from a URL: asyncio for the edge, blocking for the projector.

The one place that makes clients. ``redis://...`` gives a client of one
Redis; ``redis+cluster://host:port[,host:port...]`` (seed nodes) gives a
Redis Cluster client (``RedisCluster``), which finds every node from the
seeds and follows failovers. Adapters take either (``AsyncRedis``,
``SyncRedis``); keys follow ``infra.redis.keys``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
import redis.asyncio as aioredis
import redis.asyncio.cluster as aiocluster
import redis.cluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

AsyncRedis = aioredis.Redis | aiocluster.RedisCluster
SyncRedis = redis.Redis | redis.cluster.RedisCluster

CLUSTER_SCHEME = "redis+cluster"
EDGE_CONNECTIONS = 64
"""Connections the edge opens at most; a call waits for a free one."""
WAIT_FOR_CONNECTION = 5.0
CONNECT_TIMEOUT = 5.0
"""A connection attempt gives up after this long (without it, a connect that
never completes holds its caller forever: a socket's frame handler, and
with it the socket's reader, never to see the client leave)."""


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme == CLUSTER_SCHEME


def seed_nodes(url: str) -> list[tuple[str, int]]:
    """The ``host:port`` pairs of a ``redis+cluster://`` URL."""
    netloc = urlsplit(url).netloc
    seeds = []
    for part in netloc.split(","):
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"{url!r}: want redis+cluster://host:port[,host:port...]")
        seeds.append((host, int(port)))
    return seeds


class _InitializedCluster(aiocluster.RedisCluster):
    """Reads the cluster's slot map before a command, under redis-py's lock.
    Without it, commands started at once on a fresh (or reset, after a
    failure) client race its lazy initialization: 2 runs in 20 of ten
    concurrent EVALSHAs failed here with AttributeError (a connection
    closed under a command), none with the map read first."""

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        if self._initialize:
            await self.initialize()
        return await super().execute_command(*args, **kwargs)


def async_client(url: str) -> AsyncRedis:
    """Connects lazily; ``await client.aclose()`` at shutdown. On one Redis,
    calls beyond EDGE_CONNECTIONS at once wait (up to WAIT_FOR_CONNECTION s)
    instead of failing."""
    if is_cluster_url(url):
        return _InitializedCluster(
            startup_nodes=[aiocluster.ClusterNode(h, p) for h, p in seed_nodes(url)],
            socket_connect_timeout=CONNECT_TIMEOUT,
        )
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=EDGE_CONNECTIONS,
        timeout=WAIT_FOR_CONNECTION,
        socket_connect_timeout=CONNECT_TIMEOUT,
    )
    return aioredis.Redis(connection_pool=pool)


def sync_client(url: str) -> SyncRedis:
    """Connects lazily; ``client.close()`` at shutdown."""
    if is_cluster_url(url):
        return redis.cluster.RedisCluster(
            startup_nodes=[
                redis.cluster.ClusterNode(h, p)  # type: ignore[no-untyped-call]
                for h, p in seed_nodes(url)
            ],
            socket_connect_timeout=CONNECT_TIMEOUT,
        )
    return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT)


def node_client(host: str, port: int) -> aioredis.Redis:
    """A client of one cluster node (the fan-out's sharded subscriptions
    hold one pub/sub connection per master). After a failure it tries one
    reconnect and no more: a node that refuses is reported at once, and its
    channels are subscribed again where the slot map says they live now.
    redis-py's default retries reconnected to the dead master for about 4 s
    first, on the connection that other commands (a new socket's subscribe)
    could be using meanwhile."""
    return aioredis.Redis(
        host=host, port=port, socket_connect_timeout=CONNECT_TIMEOUT, retry=Retry(NoBackoff(), 0)
    )


def probe_client(url: str, timeout: float) -> SyncRedis:
    """A fresh client for a bounded health check."""
    if is_cluster_url(url):
        return redis.cluster.RedisCluster(
            startup_nodes=[
                redis.cluster.ClusterNode(h, p)  # type: ignore[no-untyped-call]
                for h, p in seed_nodes(url)
            ],
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
