"""The edge's registration: live while it runs, gone first when it drains,
and the reconnect frame its users get then."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from app.edge_registration import EdgeRegistration
from commands.discovery import EdgeEntry, pick_edge
from infra.memory.edges import InMemoryEdgeRegistry

T0 = datetime(2026, 5, 1, tzinfo=UTC)
ME = EdgeEntry("me", "ws://me/v1/ws")
OTHERS = [EdgeEntry("b", "ws://b/v1/ws"), EdgeEntry("c", "ws://c/v1/ws")]


async def registered(*others: EdgeEntry) -> tuple[InMemoryEdgeRegistry, EdgeRegistration]:
    registry = InMemoryEdgeRegistry()
    for edge in others:
        await registry.register(edge, T0, ttl=30)
    registration = EdgeRegistration(registry, ME, 30, lambda: T0)
    await registration.start()
    return registry, registration


def test_a_started_edge_is_live() -> None:
    async def steps() -> list[EdgeEntry]:
        registry, registration = await registered()
        live = await registry.live(T0)
        await registration.stop()
        return live

    assert asyncio.run(steps()) == [ME]


def test_a_draining_edge_leaves_the_registry_and_sends_users_to_their_next_edge() -> None:
    async def steps() -> tuple[list[EdgeEntry], str | None]:
        registry, registration = await registered(*OTHERS)
        farewell = await registration.drain()
        assert farewell is not None
        return await registry.live(T0), farewell("ann")

    live, frame = asyncio.run(steps())
    assert live == OTHERS
    expected = pick_edge("ann", OTHERS)
    assert frame is not None
    assert json.loads(frame) == {
        "type": "reconnect",
        "ws_url": expected.ws_url,
        "edge_id": expected.edge_id,
    }


def test_the_last_edge_drains_without_a_reconnect_frame() -> None:
    async def steps() -> object:
        _, registration = await registered()
        return await registration.drain()

    assert asyncio.run(steps()) is None
