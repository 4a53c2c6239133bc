"""The edge registry: the in-memory and Redis registries behave alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from commands.discovery import EdgeEntry, EdgeRegistry
from infra.memory.edges import InMemoryEdgeRegistry
from infra.redis.edges import RedisEdgeRegistry

T0 = datetime(2026, 5, 1, tzinfo=UTC)
EAST = EdgeEntry("east", "ws://10.0.0.1:8000/v1/ws")
WEST = EdgeEntry("west", "ws://10.0.0.2:8000/v1/ws")
REGISTRIES: dict[str, Callable[[str, str], EdgeRegistry]] = {
    "memory": lambda url, prefix: InMemoryEdgeRegistry(),
    "redis": lambda url, prefix: RedisEdgeRegistry(aioredis.from_url(url), prefix),
}


@pytest.fixture(params=sorted(REGISTRIES))
def registry(request: pytest.FixtureRequest, redis_url: str, unique_name: str) -> EdgeRegistry:
    return REGISTRIES[request.param](redis_url, f"{unique_name}:")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_registered_edge_is_live_with_its_url(registry: EdgeRegistry) -> None:
    async def steps() -> list[EdgeEntry]:
        await registry.register(WEST, at(0), ttl=10)
        await registry.register(EAST, at(0), ttl=10)
        return await registry.live(at(1))

    assert asyncio.run(steps()) == [EAST, WEST]


def test_an_edge_whose_lease_ran_out_is_not_live(registry: EdgeRegistry) -> None:
    async def steps() -> list[EdgeEntry]:
        await registry.register(EAST, at(0), ttl=10)
        await registry.register(WEST, at(5), ttl=10)
        return await registry.live(at(12))

    assert asyncio.run(steps()) == [WEST]


def test_a_heartbeat_renews_the_lease_and_replaces_the_url(registry: EdgeRegistry) -> None:
    moved = EdgeEntry("east", "ws://10.0.0.9:8000/v1/ws")

    async def steps() -> list[EdgeEntry]:
        await registry.register(EAST, at(0), ttl=10)
        await registry.register(moved, at(8), ttl=10)
        return await registry.live(at(15))

    assert asyncio.run(steps()) == [moved]


def test_a_deregistered_edge_is_gone_at_once(registry: EdgeRegistry) -> None:
    async def steps() -> list[EdgeEntry]:
        await registry.register(EAST, at(0), ttl=10)
        await registry.register(WEST, at(0), ttl=10)
        await registry.deregister("east")
        await registry.deregister("unknown")
        return await registry.live(at(1))

    assert asyncio.run(steps()) == [WEST]


def test_an_empty_registry_has_no_live_edge(registry: EdgeRegistry) -> None:
    assert asyncio.run(registry.live(at(0))) == []
