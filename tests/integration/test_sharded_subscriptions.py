"""Sharded subscriptions on one Redis: a subscribe that the node refused
(it was away) leaves nothing behind (on a private Redis, stopped and
started again); channels subscribed at once all receive; and neither a
listener that fails on a message nor a reader that fails in redis-py
leaves the node's channels unread."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

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


def test_a_message_the_listener_fails_on_is_dropped_and_the_next_one_arrives(
    redis_url: str,
) -> None:
    channel = f"{uuid.uuid4().hex}:poison"
    received: asyncio.Queue[bytes] = asyncio.Queue()

    def listener(channel: str, data: bytes) -> None:
        if data == b"poison":
            raise ValueError("a frame this listener cannot take")
        received.put_nowait(data)

    async def scenario() -> bytes:
        client = async_client(redis_url)
        subscriptions = ShardedSubscriptions(client, listener, lambda: None)
        publisher = sync_client(redis_url)
        try:
            await subscriptions.subscribe(channel)
            await asyncio.to_thread(publisher.spublish, channel, "poison")
            await asyncio.to_thread(publisher.spublish, channel, "hello")
            return await asyncio.wait_for(received.get(), 10)
        finally:
            publisher.close()
            await subscriptions.close()
            await client.aclose()

    assert asyncio.run(scenario()) == b"hello"


class ReaderFailsOnce(aioredis.client.PubSub):
    """A pub/sub whose first read fails as redis-py never says it does."""

    failures = 1

    async def get_message(self, *args: Any, **kwargs: Any) -> Any:
        if ReaderFailsOnce.failures:
            ReaderFailsOnce.failures -= 1
            raise RuntimeError("pubsub connection not set")
        return await super().get_message(*args, **kwargs)


class ClientWhosePubSubFailsOnce(aioredis.Redis):
    def pubsub(self, **kwargs: Any) -> aioredis.client.PubSub:
        return ReaderFailsOnce(self.connection_pool, **kwargs)


def test_a_reader_that_fails_unexpectedly_subscribes_again_and_reports_the_loss(
    redis_url: str,
) -> None:
    channel = f"{uuid.uuid4().hex}:reader-fails"
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def scenario() -> tuple[bytes, bool]:
        client = ClientWhosePubSubFailsOnce.from_url(redis_url)
        lost = asyncio.Event()
        subscriptions = ShardedSubscriptions(
            client, lambda channel, data: received.put_nowait(data), lost.set
        )
        publisher = sync_client(redis_url)
        try:
            await subscriptions.subscribe(channel)
            await asyncio.wait_for(lost.wait(), 10)
            await subscriptions.check()
            await asyncio.to_thread(publisher.spublish, channel, "hello")
            return await asyncio.wait_for(received.get(), 10), lost.is_set()
        finally:
            publisher.close()
            await subscriptions.close()
            await client.aclose()

    assert asyncio.run(scenario()) == (b"hello", True)
