"""Fan-out: the in-memory and Redis adapters behave alike."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from infra.memory.fanout import InMemoryFanout
from infra.redis.clients import async_client, sync_client
from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
from projections.ports import Fanout, Push
from tests.contract.redis_targets import WITH_MEMORY, url_for
from ws_edge.ports import FanoutSubscriber

Pair = tuple[Fanout, FanoutSubscriber]


@asynccontextmanager
async def memory_pair(redis_url: str, prefix: str) -> AsyncIterator[Pair]:
    hub = InMemoryFanout()
    yield hub, hub


@asynccontextmanager
async def redis_pair(redis_url: str, prefix: str) -> AsyncIterator[Pair]:
    publishing = sync_client(redis_url)
    subscribing = async_client(redis_url)
    subscriber = RedisFanoutSubscriber(subscribing, prefix)
    await subscriber.start()
    try:
        yield RedisFanoutPublisher(publishing, prefix), subscriber
    finally:
        await subscriber.close()
        await subscribing.aclose()
        publishing.close()


PAIRS = {"memory": memory_pair, "redis": redis_pair, "redis-cluster": redis_pair}


@pytest.fixture(params=WITH_MEMORY)
def kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def pair_url(request: pytest.FixtureRequest, kind: str) -> str:
    """This kind's Redis (unused by the in-memory pair)."""
    return "" if kind == "memory" else url_for(request, kind)


async def receive(queue: asyncio.Queue[Any], timeout: float = 5.0) -> Any:
    """The next frame delivered (deliveries are encoded JSON text)."""
    return json.loads(await asyncio.wait_for(queue.get(), timeout))


async def publish_until_received(publisher: Fanout, push: Push, queue: asyncio.Queue[Any]) -> Any:
    """Redis SUBSCRIBE is asynchronous: publish until the subscription is live."""
    for _ in range(50):
        await asyncio.to_thread(publisher.publish, push)
        try:
            return json.loads(await asyncio.wait_for(queue.get(), 0.1))
        except TimeoutError:
            continue
    raise TimeoutError("never received")


def test_a_published_frame_reaches_every_subscriber_of_that_user(
    kind: str, pair_url: str, unique_name: str
) -> None:
    async def scenario() -> None:
        async with PAIRS[kind](pair_url, f"{unique_name}:") as (publisher, subscriber):
            phone: asyncio.Queue[Any] = asyncio.Queue()
            laptop: asyncio.Queue[Any] = asyncio.Queue()
            await subscriber.subscribe("alice", phone.put_nowait)
            await subscriber.subscribe("alice", laptop.put_nowait)
            push = Push(("alice",), {"type": "message", "seq": 1})
            assert await publish_until_received(publisher, push, phone) == {
                "type": "message",
                "seq": 1,
            }
            assert (await receive(laptop))["seq"] == 1

    asyncio.run(scenario())


def test_a_frame_for_another_user_is_not_delivered(
    kind: str, pair_url: str, unique_name: str
) -> None:
    async def scenario() -> None:
        async with PAIRS[kind](pair_url, f"{unique_name}:") as (publisher, subscriber):
            alice: asyncio.Queue[Any] = asyncio.Queue()
            bob: asyncio.Queue[Any] = asyncio.Queue()
            await subscriber.subscribe("alice", alice.put_nowait)
            await subscriber.subscribe("bob", bob.put_nowait)
            await publish_until_received(publisher, Push(("bob",), {"n": 0}), bob)
            await asyncio.to_thread(publisher.publish, Push(("bob",), {"n": 1}))
            assert (await receive(bob))["n"] == 1
            assert alice.empty()

    asyncio.run(scenario())


def test_an_unsubscribed_socket_gets_nothing_more(
    kind: str, pair_url: str, unique_name: str
) -> None:
    async def scenario() -> None:
        async with PAIRS[kind](pair_url, f"{unique_name}:") as (publisher, subscriber):
            kept: asyncio.Queue[Any] = asyncio.Queue()
            gone: asyncio.Queue[Any] = asyncio.Queue()
            await subscriber.subscribe("alice", kept.put_nowait)
            await subscriber.subscribe("alice", gone.put_nowait)
            await publish_until_received(publisher, Push(("alice",), {"n": 0}), kept)
            await receive(gone)
            await subscriber.unsubscribe("alice", gone.put_nowait)
            await asyncio.to_thread(publisher.publish, Push(("alice",), {"n": 1}))
            assert (await receive(kept))["n"] == 1
            assert gone.empty()

    asyncio.run(scenario())
