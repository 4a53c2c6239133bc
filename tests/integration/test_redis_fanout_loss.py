"""When Redis drops the edge's pub/sub connection (a restart, or a
subscriber over its output buffer limit), what was published meanwhile is
lost: the edge is told, and the subscription comes back by itself."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import redis
import redis.asyncio as aioredis

from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
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
    publisher: RedisFanoutPublisher, push: Push, queue: asyncio.Queue[str], seconds: float
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
