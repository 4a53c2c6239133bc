"""When Redis drops the edge's pub/sub connection (a restart, or a
subscriber over its output buffer limit), what was published meanwhile is
lost: the edge is told, and the subscription comes back by itself. Per-edge
fan-out also loses pushes at the projector (their leases unreadable): the
edges holding their users are told too."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import redis
import redis.asyncio as aioredis

from infra.redis.clients import SyncRedis
from infra.redis.edge_fanout import RedisEdgeFanoutPublisher, RedisEdgeFanoutSubscriber
from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
from infra.redis.presence import RedisPresenceLeases
from projections.ports import Push


def kill_connections_named(redis_url: str, name: str) -> int:
    admin = redis.Redis.from_url(redis_url)
    try:
        clients: list[dict[str, Any]] = admin.client_list()
        killed = 0
        for client in clients:
            if client.get("name") == name:
                admin.client_kill_filter(_id=client["id"])
                killed += 1
        return killed
    finally:
        admin.close()


async def received_after_publishing(
    publisher: RedisFanoutPublisher | RedisEdgeFanoutPublisher,
    push: Push,
    queue: asyncio.Queue[str],
    seconds: float,
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.to_thread(publisher.publish, push)
        try:
            frame: dict[str, Any] = json.loads(await asyncio.wait_for(queue.get(), 0.1))
            return frame
        except TimeoutError:
            continue
    raise TimeoutError("never received")


def test_a_dropped_subscriber_connection_tells_the_edge_and_resubscribes(
    redis_url: str, unique_name: str
) -> None:
    name = f"fanout-{uuid.uuid4().hex[:12]}"

    async def scenario() -> None:
        sync_client = redis.Redis.from_url(redis_url)
        async_client = aioredis.from_url(redis_url, client_name=name)
        subscriber = RedisFanoutSubscriber(async_client, f"{unique_name}:")
        publisher = RedisFanoutPublisher(sync_client, f"{unique_name}:")
        lost = asyncio.Event()
        subscriber.on_pushes_lost(lost.set)
        await subscriber.start()
        try:
            frames: asyncio.Queue[str] = asyncio.Queue()
            await subscriber.subscribe("alice", frames.put_nowait)
            before = Push(("alice",), {"type": "message", "seq": 1})
            assert (await received_after_publishing(publisher, before, frames, 5))["seq"] == 1
            assert not lost.is_set()
            assert await asyncio.to_thread(kill_connections_named, redis_url, name) >= 1
            await asyncio.wait_for(lost.wait(), 5)
            after = Push(("alice",), {"type": "message", "seq": 2})
            assert (await received_after_publishing(publisher, after, frames, 10))["seq"] == 2
        finally:
            await subscriber.close()
            await async_client.aclose()
            sync_client.close()

    asyncio.run(scenario())


class LeaseReadsFailOnce:
    """The projector's Redis, as when the master of some recipients' leases
    died (Redis Cluster) while the edges' channels live on: the first batch
    of lease reads fails, then Redis answers again."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self.failed = False

    def pipeline(self, transaction: bool = False) -> Any:
        pipeline = self._client.pipeline(transaction=transaction)
        if not self.failed:
            self.failed = True

            def fail(raise_on_error: bool = True) -> list[Any]:
                raise redis.ConnectionError("the master of the leases is down")

            pipeline.execute = fail  # type: ignore[method-assign]
        return pipeline

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_per_edge_pushes_dropped_at_the_projector_tell_the_edge_holding_their_users(
    redis_url: str, unique_name: str
) -> None:
    prefix, edge_id = f"{unique_name}:", "edge-a"

    async def scenario() -> None:
        sync_client = redis.Redis.from_url(redis_url)
        async_client = aioredis.from_url(redis_url)
        subscriber = RedisEdgeFanoutSubscriber(async_client, prefix, edge_id)
        healthy = RedisEdgeFanoutPublisher(sync_client, prefix)
        failing_once = LeaseReadsFailOnce(sync_client)
        publisher = RedisEdgeFanoutPublisher(cast(SyncRedis, failing_once), prefix)
        lost = asyncio.Event()
        subscriber.on_pushes_lost(lost.set)
        await subscriber.start()
        try:
            lease = f"{edge_id}:{uuid.uuid4().hex}"
            await RedisPresenceLeases(async_client, prefix).acquire(
                "alice", lease, datetime.now(UTC), ttl=60
            )
            frames: asyncio.Queue[str] = asyncio.Queue()
            await subscriber.subscribe("alice", frames.put_nowait)
            probe = Push(("alice",), {"type": "message", "seq": 1})
            assert (await received_after_publishing(healthy, probe, frames, 5))["seq"] == 1
            await asyncio.to_thread(publisher.publish, Push(("alice",), {"seq": 2}))
            assert failing_once.failed and frames.empty()
            await asyncio.to_thread(publisher.publish, Push(("alice",), {"seq": 3}))
            await asyncio.wait_for(lost.wait(), 5)
            assert json.loads(await asyncio.wait_for(frames.get(), 5))["seq"] == 3
        finally:
            await subscriber.close()
            await async_client.aclose()
            sync_client.close()

    asyncio.run(scenario())
