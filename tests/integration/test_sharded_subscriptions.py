"""Sharded subscriptions on one Redis: a subscribe that the node refused
(it was away) leaves nothing behind (on a private Redis, stopped and
started again); channels subscribed at once all receive; and neither a
listener that fails on a message (which is reported lost) nor a reader
that fails in redis-py leaves the node's channels unread."""

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


def test_a_message_the_listener_fails_on_is_reported_lost_and_the_next_one_arrives(
    redis_url: str,
) -> None:
    channel = f"{uuid.uuid4().hex}:poison"
    heard: list[bytes] = []
    hello = asyncio.Event()

    def listener(channel: str, data: bytes) -> None:
        heard.append(data)
        if data == b"poison":
            raise ValueError("a frame this listener cannot take")
        hello.set()

    async def scenario() -> int:
        client = async_client(redis_url)
        losses: list[None] = []
        subscriptions = ShardedSubscriptions(client, listener, lambda: losses.append(None))
        publisher = sync_client(redis_url)
        try:
            await subscriptions.subscribe(channel)
            await asyncio.to_thread(publisher.spublish, channel, "poison")
            await asyncio.to_thread(publisher.spublish, channel, "hello")
            await asyncio.wait_for(hello.wait(), 10)
            return len(losses)
        finally:
            publisher.close()
            await subscriptions.close()
            await client.aclose()

    assert asyncio.run(scenario()) == 1
    assert heard == [b"poison", b"hello"]


class ReaderFailsOnce(aioredis.client.PubSub):
    """A pub/sub whose reads fail (as redis-py never says they do) while its
    client has failures left."""

    def __init__(self, client: ClientWhosePubSubFailsOnce, **kwargs: Any) -> None:
        super().__init__(client.connection_pool, **kwargs)
        self.owner = client

    async def get_message(self, *args: Any, **kwargs: Any) -> Any:
        if self.owner.failures_left:
            self.owner.failures_left -= 1
            raise RuntimeError("pubsub connection not set")
        return await super().get_message(*args, **kwargs)


class ClientWhosePubSubFailsOnce(aioredis.Redis):
    failures_left = 1

    def pubsub(self, **kwargs: Any) -> aioredis.client.PubSub:
        return ReaderFailsOnce(self, **kwargs)


def test_a_reader_that_fails_unexpectedly_subscribes_again_and_reports_the_loss(
    redis_url: str,
) -> None:
    channel = f"{uuid.uuid4().hex}:reader-fails"
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def scenario() -> bytes:
        client = ClientWhosePubSubFailsOnce.from_url(redis_url)
        lost = asyncio.Event()
        subscriptions = ShardedSubscriptions(
            client, lambda channel, data: received.put_nowait(data), lost.set
        )
        publisher = sync_client(redis_url)
        try:
            await subscriptions.subscribe(channel)
            await asyncio.wait_for(lost.wait(), 10)  # after the channel is back
            await subscriptions.check()
            await asyncio.to_thread(publisher.spublish, channel, "hello")
            return await asyncio.wait_for(received.get(), 10)
        finally:
            publisher.close()
            await subscriptions.close()
            await client.aclose()

    assert asyncio.run(scenario()) == b"hello"
