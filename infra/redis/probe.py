"""Is Redis reachable: PING, bounded (on a cluster: every master, and the
cluster says cluster_state:ok)."""

from __future__ import annotations

import redis
import redis.cluster

from infra.redis.clients import probe_client


def ping_redis(url: str, timeout: float) -> None:
    """Raises redis.RedisError unless a fresh connection answers PING."""
    client = probe_client(url, timeout)
    try:
        client.ping()
        if isinstance(client, redis.cluster.RedisCluster):
            state = client.cluster_info().get("cluster_state")
            if state != "ok":
                raise redis.ConnectionError(f"cluster_state is {state}")
    finally:
        client.close()
