"""A socket's presence lease is renewed only while its client is shown to be
there: not once the socket ended (even when the cancellation of a renewal
in flight is lost, as Python 3.11's ``asyncio.wait_for`` can lose one), and
not while a frame has been answered for longer than a lease."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from commands.accounts import Session
from commands.limits import Bucket, RateLimiter
from commands.presence import PresenceService, PresenceSettings
from domain.records import OutgoingRecord
from infra.memory.fanout import InMemoryFanout
from infra.memory.presence import InMemoryPresenceLeases
from ws_edge.connection import SocketConnection
from ws_edge.services import SocketServices

TTL = 0.3  # the lease; a beat every 0.1 s
DEADLINE = 10.0
USER = "u-ann"


class FakeSocket:
    def __init__(self) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000) -> None:
        return None

    def client_sends(self, frame: dict[str, Any]) -> None:
        self.incoming.put_nowait({"type": "websocket.receive", "text": json.dumps(frame)})

    def client_leaves(self) -> None:
        self.incoming.put_nowait({"type": "websocket.disconnect", "code": 1006})


class LosesOneCancellation(InMemoryPresenceLeases):
    """A renewal that hangs until it is cancelled, then completes anyway and
    returns as if nothing happened: the cancellation is lost."""

    def __init__(self) -> None:
        super().__init__()
        self.acquires = 0
        self.hanging = asyncio.Event()

    async def acquire(
        self, user_id: str, lease_id: str, now: datetime, ttl: float, cap: int = 0
    ) -> datetime | None:
        self.acquires += 1
        if self.acquires == 3:  # admit, connected, then the first renewal
            self.hanging.set()
            with contextlib.suppress(asyncio.CancelledError):  # lost
                await asyncio.Event().wait()
        return await super().acquire(user_id, lease_id, datetime.now(UTC), ttl, cap)


class StuckLimiter:
    """Answers nothing until ``release``."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.released = asyncio.Event()

    async def take(self, key: str, bucket: Bucket, now: datetime) -> float:
        self.entered.set()
        await self.released.wait()
        return 0.0


class Receipts:
    async def mark(self, user_id: str, conversation_id: str, kind: str, up_to_seq: int) -> None:
        return None


class Log:
    async def publish(self, record: OutgoingRecord) -> None:
        return None


def connection(
    leases: InMemoryPresenceLeases, limiter: RateLimiter | None = None
) -> tuple[SocketConnection, FakeSocket]:
    now = datetime.now(UTC)
    presence = PresenceService(leases, Log(), lambda: datetime.now(UTC), PresenceSettings(TTL))
    services = SocketServices(
        accounts=cast(Any, None),
        gateway=cast(Any, Receipts()),
        queries=cast(Any, None),
        fanout=InMemoryFanout(),
        clock=lambda: datetime.now(UTC),
        presence=presence,
        edge_id="edge-t",
        limiter=limiter or StuckLimiter(),
    )
    socket = FakeSocket()
    session = Session("s-1", USER, now + timedelta(hours=1))

    async def alive() -> bool:
        return True

    return SocketConnection(cast(Any, socket), services, session, alive), socket


async def live_leases(leases: InMemoryPresenceLeases) -> int:
    return await leases.live(USER, datetime.now(UTC))


async def eventually(holds: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + DEADLINE
    while not await holds():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.01)


async def stuck_in_a_frame(
    socket: FakeSocket, limiter: StuckLimiter, leases: InMemoryPresenceLeases
) -> None:
    """The socket is ready with its lease, and answering a frame that hangs."""

    async def ready() -> bool:
        return any(f["type"] == "ready" for f in socket.sent) and await live_leases(leases) == 1

    await eventually(ready, "the socket did not get ready")
    socket.client_sends({"type": "delivered", "id": "d1", "conversation_id": "c-1", "up_to_seq": 1})
    await asyncio.wait_for(limiter.entered.wait(), DEADLINE)


def test_a_renewal_that_outlives_its_socket_leaves_no_lease_behind() -> None:
    async def scenario() -> None:
        leases = LosesOneCancellation()
        socket_connection, socket = connection(leases)
        running = asyncio.create_task(socket_connection.run())
        await asyncio.wait_for(leases.hanging.wait(), DEADLINE)
        socket.client_leaves()
        await asyncio.wait_for(running, DEADLINE)

        async def gone() -> bool:
            return await live_leases(leases) == 0

        await eventually(gone, "the ended socket's lease is still held")

    asyncio.run(scenario())


def test_a_frame_answered_for_longer_than_a_lease_keeps_no_lease_alive() -> None:
    async def scenario() -> None:
        leases, limiter = InMemoryPresenceLeases(), StuckLimiter()
        socket_connection, socket = connection(leases, limiter)
        running = asyncio.create_task(socket_connection.run())
        await stuck_in_a_frame(socket, limiter, leases)

        async def expired() -> bool:
            return await live_leases(leases) == 0

        await eventually(expired, "a stuck frame kept the lease alive")
        running.cancel()

    asyncio.run(scenario())


def test_once_the_stuck_frame_is_answered_the_next_beat_renews_the_lease() -> None:
    async def scenario() -> None:
        leases, limiter = InMemoryPresenceLeases(), StuckLimiter()
        socket_connection, socket = connection(leases, limiter)
        running = asyncio.create_task(socket_connection.run())
        await stuck_in_a_frame(socket, limiter, leases)

        async def expired() -> bool:
            return await live_leases(leases) == 0

        async def renewed() -> bool:
            return await live_leases(leases) == 1

        await eventually(expired, "a stuck frame kept the lease alive")
        limiter.released.set()
        await eventually(renewed, "the lease was not taken again")
        assert {"type": "ok", "id": "d1"} in socket.sent
        socket.client_leaves()
        await asyncio.wait_for(running, DEADLINE)

    asyncio.run(scenario())
