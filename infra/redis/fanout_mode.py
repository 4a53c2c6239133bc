"""The fan-out of CHAT_FANOUT_MODE: ``user`` (a channel per user) or
``edge`` (a channel per edge, routed by the recipients' presence leases)."""

from __future__ import annotations

from infra.redis.clients import AsyncRedis, SyncRedis
from infra.redis.edge_fanout import RedisEdgeFanoutPublisher, RedisEdgeFanoutSubscriber
from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
from projections.ports import Fanout


def fanout_publisher(mode: str, client: SyncRedis, prefix: str) -> Fanout:
    if mode == "edge":
        return RedisEdgeFanoutPublisher(client, prefix)
    return RedisFanoutPublisher(client, prefix)


def fanout_subscriber(
    mode: str, client: AsyncRedis, prefix: str, edge_id: str
) -> RedisFanoutSubscriber:
    if mode == "edge":
        return RedisEdgeFanoutSubscriber(client, prefix, edge_id)
    return RedisFanoutSubscriber(client, prefix)
