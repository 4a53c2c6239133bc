"""Token buckets: the in-memory and Redis limiters behave alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from commands.limits import Bucket, RateLimited, RateLimiter, require_token
from infra.memory.limits import InMemoryRateLimiter
from infra.redis.clients import async_client
from infra.redis.limits import RedisRateLimiter
from tests.contract.redis_targets import WITH_MEMORY, url_for

T0 = datetime(2026, 5, 1, tzinfo=UTC)
BUCKET = Bucket(burst=3, per_second=2.0)


@pytest.fixture(params=WITH_MEMORY)
def limiter(request: pytest.FixtureRequest, unique_name: str) -> RateLimiter:
    if request.param == "memory":
        return InMemoryRateLimiter()
    return RedisRateLimiter(async_client(url_for(request, request.param)), f"{unique_name}:")


async def takes(limiter: RateLimiter, moments: list[float], key: str = "ann") -> list[float]:
    return [await limiter.take(key, BUCKET, T0 + timedelta(seconds=s)) for s in moments]


def test_a_burst_passes_and_the_next_take_waits_for_a_refill(limiter: RateLimiter) -> None:
    waits = asyncio.run(takes(limiter, [0, 0, 0, 0]))
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.5)


def test_tokens_come_back_at_the_configured_rate(limiter: RateLimiter) -> None:
    waits = asyncio.run(takes(limiter, [0, 0, 0, 0.5, 0.5]))
    assert waits[3:] == [0.0, pytest.approx(0.5)]


def test_buckets_of_different_keys_are_separate(limiter: RateLimiter) -> None:
    async def steps() -> list[float]:
        await takes(limiter, [0, 0, 0], key="ann")
        return await takes(limiter, [0], key="ben")

    assert asyncio.run(steps()) == [0.0]


def test_require_token_raises_with_the_wait_in_milliseconds(limiter: RateLimiter) -> None:
    async def steps() -> None:
        await takes(limiter, [0, 0, 0])
        await require_token(limiter, "ann", BUCKET, T0)

    with pytest.raises(RateLimited) as limited:
        asyncio.run(steps())
    assert limited.value.retry_after_ms == 500
