"""Fan-out: the in-memory and Redis adapters behave alike."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from infra.memory.fanout import InMemoryFanout
from infra.redis.clients import async_client, sync_client
from infra.redis.edge_fanout import RedisEdgeFanoutPublisher, RedisEdgeFanoutSubscriber
from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
from infra.redis.presence import RedisPresenceLeases
from projections.ports import Fanout, Push
from tests.contract.redis_targets import CLUSTER, REDIS, WITH_MEMORY, url_for
from ws_edge.ports import Deliver, FanoutSubscriber

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


class LeasedSubscriber:
    """Per-edge fan-out finds a user's edges by their sockets' presence
    leases: as on the edge, a socket takes its lease before it subscribes."""

    def __init__(self, subscriber: RedisEdgeFanoutSubscriber, leases: RedisPresenceLeases) -> None:
        self._subscriber = subscriber
        self._leases = leases

    async def subscribe(self, user_id: str, deliver: Deliver) -> None:
        lease = f"{EDGE_ID}:{uuid.uuid4().hex}"
        await self._leases.acquire(user_id, lease, datetime.now(UTC), ttl=60)
        await self._subscriber.subscribe(user_id, deliver)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._subscriber, name)


@asynccontextmanager
async def redis_edge_pair(redis_url: str, prefix: str) -> AsyncIterator[Pair]:
    publishing = sync_client(redis_url)
    subscribing = async_client(redis_url)
    subscriber = RedisEdgeFanoutSubscriber(subscribing, prefix, EDGE_ID)
    await subscriber.start()
    leased = LeasedSubscriber(subscriber, RedisPresenceLeases(subscribing, prefix))
    try:
        yield RedisEdgeFanoutPublisher(publishing, prefix), cast(FanoutSubscriber, leased)
    finally:
        await subscriber.close()
        await subscribing.aclose()
        publishing.close()


EDGE_ID = "edge-a"
PAIRS = {
    "memory": memory_pair,
    REDIS: redis_pair,
    CLUSTER: redis_pair,
    "redis-per-edge": redis_edge_pair,
    "redis-cluster-per-edge": redis_edge_pair,
}
KINDS = [
    *WITH_MEMORY,
    "redis-per-edge",
    pytest.param("redis-cluster-per-edge", marks=pytest.mark.redis_cluster),
]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def pair_url(request: pytest.FixtureRequest, kind: str) -> str:
    """This kind's Redis (unused by the in-memory pair)."""
    if kind == "memory":
        return ""
    return url_for(request, CLUSTER if kind.startswith(CLUSTER) else REDIS)


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


def test_one_push_reaches_each_of_its_recipients_once(
    kind: str, pair_url: str, unique_name: str
) -> None:
    async def scenario() -> None:
        async with PAIRS[kind](pair_url, f"{unique_name}:") as (publisher, subscriber):
            queues: dict[str, asyncio.Queue[Any]] = {u: asyncio.Queue() for u in ("al", "bo", "cy")}
            for user_id, queue in queues.items():
                await subscriber.subscribe(user_id, queue.put_nowait)
            await publish_until_received(publisher, Push(("cy",), {"n": 0}), queues["cy"])
            await asyncio.to_thread(publisher.publish, Push(("al", "bo", "cy"), {"n": 1}))
            assert [(await receive(queue))["n"] for queue in queues.values()] == [1, 1, 1]
            await asyncio.to_thread(publisher.publish, Push(("cy",), {"n": 2}))
            assert (await receive(queues["cy"]))["n"] == 2
            assert queues["al"].empty() and queues["bo"].empty()

    asyncio.run(scenario())


def test_a_broadcast_from_an_edge_reaches_the_users_sockets(
    kind: str, pair_url: str, unique_name: str
) -> None:
    async def scenario() -> None:
        async with PAIRS[kind](pair_url, f"{unique_name}:") as (publisher, subscriber):
            alice: asyncio.Queue[Any] = asyncio.Queue()
            await subscriber.subscribe("alice", alice.put_nowait)
            await publish_until_received(publisher, Push(("alice",), {"n": 0}), alice)
            await subscriber.broadcast(["alice", "nobody"], {"type": "typing", "n": 1})
            assert (await receive(alice)) == {"type": "typing", "n": 1}

    asyncio.run(scenario())
