"""A burst of pushes (a projector catching up after an outage publishes its
backlog in one pipeline) arrives in the edge's pub/sub buffer all at once.
The edge must let its sockets' writers run while it hands the burst out:
a socket that reads promptly never has more than a few frames queued, so
its bounded send queue (CHAT_WS_SEND_QUEUE_FRAMES) closes slow readers only.
Both fan-out modes: per edge, one pub/sub message carries a frame for
several users, so a buffer holds even more deliveries."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from infra.redis.clients import async_client, sync_client
from infra.redis.edge_fanout import RedisEdgeFanoutPublisher, RedisEdgeFanoutSubscriber
from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
from infra.redis.presence import RedisPresenceLeases
from projections.ports import Fanout, Push
from ws_edge.ports import FanoutSubscriber

BURST = 600
QUEUE_FRAMES = 100  # the fault suite's CHAT_WS_SEND_QUEUE_FRAMES
EDGE_ID = "edge-burst"
USERS = ("alice", "bob", "carol")


class PromptSocket:
    """A socket whose client reads at once: like the edge's writer task, it
    sends everything queued when the loop next gives it a turn."""

    def __init__(self) -> None:
        self.queued = 0
        self.most_queued = 0
        self.sent = 0
        self._writing = False

    def push(self, text: str) -> None:
        self.queued += 1
        self.most_queued = max(self.most_queued, self.queued)
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().call_soon(self._write_all)

    def _write_all(self) -> None:
        self.sent += self.queued
        self.queued = 0
        self._writing = False


@asynccontextmanager
async def pair(
    redis_url: str, prefix: str, mode: str
) -> AsyncIterator[tuple[Fanout, FanoutSubscriber]]:
    publishing = sync_client(redis_url)
    subscribing = async_client(redis_url)
    subscriber: RedisFanoutSubscriber
    publisher: Fanout
    if mode == "edge":
        subscriber = RedisEdgeFanoutSubscriber(subscribing, prefix, EDGE_ID)
        publisher = RedisEdgeFanoutPublisher(publishing, prefix)
        leases = RedisPresenceLeases(subscribing, prefix)
        for user in USERS:
            await leases.acquire(user, f"{EDGE_ID}:{uuid.uuid4().hex}", datetime.now(UTC), ttl=60)
    else:
        subscriber = RedisFanoutSubscriber(subscribing, prefix)
        publisher = RedisFanoutPublisher(publishing, prefix)
    await subscriber.start()
    try:
        yield publisher, subscriber
    finally:
        await subscriber.close()
        await subscribing.aclose()
        publishing.close()


async def delivered_once_live(
    publisher: Fanout, sockets: dict[str, PromptSocket], deadline_s: float = 10.0
) -> None:
    """Publishes a probe until every socket got one (SSUBSCRIBE is asynchronous)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not all(s.sent or s.queued for s in sockets.values()):
        assert loop.time() < deadline, "the subscriptions never went live"
        await asyncio.to_thread(publisher.publish, Push(USERS, {"type": "probe"}))
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("mode", ["user", "edge"])
def test_a_burst_of_pushes_never_piles_up_on_sockets_that_read(
    redis_url: str, unique_name: str, mode: str
) -> None:
    async def scenario() -> None:
        async with pair(redis_url, f"{unique_name}:", mode) as (publisher, subscriber):
            sockets = {user: PromptSocket() for user in USERS}
            for user, socket in sockets.items():
                await subscriber.subscribe(user, socket.push)
            await delivered_once_live(publisher, sockets)
            before = {user: s.sent + s.queued for user, s in sockets.items()}
            for socket in sockets.values():
                socket.most_queued = 0
            receipts = [
                Push(USERS, {"type": "receipt", "seq": n, "pad": "x" * 40}) for n in range(BURST)
            ]
            await asyncio.to_thread(publisher.publish_all, receipts)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while any(s.sent + s.queued < before[u] + BURST for u, s in sockets.items()):
                assert loop.time() < deadline, {u: s.sent for u, s in sockets.items()}
                await asyncio.sleep(0.05)
            most = max(s.most_queued for s in sockets.values())
            assert most < QUEUE_FRAMES // 2, f"{most} frames queued at once on a reading socket"

    asyncio.run(scenario())
