"""A subscribe that a Redis node refused (it was away) leaves nothing
behind: once the node is back, readiness holds and the channel can be
subscribed (on a private Redis, stopped and started again)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

import pytest
import redis

from infra.redis.clients import async_client, sync_client
from infra.redis.sharded_pubsub import ShardedSubscriptions
from tests.support.private_redis import PrivateRedis


def test_a_refused_subscribe_leaves_no_dead_connection_behind(tmp_path: Path) -> None:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def scenario() -> None:
        client = async_client(server.url)
        subscriptions = ShardedSubscriptions(
            client, lambda channel, data: received.put_nowait(data), lambda: None
        )
        try:
            server.crash()
            with pytest.raises(redis.ConnectionError):
                await subscriptions.subscribe("ann")
            server.start()
            await subscriptions.check()
            await subscriptions.subscribe("ann")
            publisher = sync_client(server.url)
            await asyncio.to_thread(publisher.spublish, "ann", "hello")
            assert await asyncio.wait_for(received.get(), 10) == b"hello"
            publisher.close()
        finally:
            await subscriptions.close()
            await client.aclose()

    try:
        asyncio.run(scenario())
    finally:
        server.close()


def test_channels_subscribed_at_once_on_a_fresh_connection_all_receive(redis_url: str) -> None:
    channels = [f"{uuid.uuid4().hex}:at-once:{n}" for n in range(8)]
    received: asyncio.Queue[str] = asyncio.Queue()

    async def scenario() -> set[str]:
        client = async_client(redis_url)
        subscriptions = ShardedSubscriptions(
            client, lambda channel, data: received.put_nowait(channel), lambda: None
        )
        publisher = sync_client(redis_url)
        try:
            await asyncio.gather(*(subscriptions.subscribe(c) for c in channels))
            for channel in channels:
                await asyncio.to_thread(publisher.spublish, channel, "hello")
            heard: set[str] = set()
            with contextlib.suppress(TimeoutError):
                while len(heard) < len(channels):
                    heard.add(await asyncio.wait_for(received.get(), 5))
            return heard
        finally:
            publisher.close()
            await subscriptions.close()
            await client.aclose()

    assert asyncio.run(scenario()) == set(channels)
