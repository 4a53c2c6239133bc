"""The edge's counts: sends by outcome, refusals by bucket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from commands.counted import CountedRateLimiter, counting_send, send_outcome
from commands.limits import Bucket, RateLimited
from commands.ports import LogUnavailable
from domain.errors import NotAMember
from infra.memory.limits import InMemoryRateLimiter
from infra.memory.metrics import InMemoryMetrics

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_each_way_a_send_can_end_has_its_outcome() -> None:
    assert send_outcome(None) == "sent"
    assert send_outcome(RateLimited(1.0)) == "rate_limited"
    assert send_outcome(LogUnavailable("down")) == "unavailable"
    assert send_outcome(NotAMember("no")) == "refused"


def test_a_send_that_raises_is_counted_and_the_error_goes_on() -> None:
    metrics = InMemoryMetrics()
    with counting_send(metrics):
        pass
    with pytest.raises(LogUnavailable), counting_send(metrics):
        raise LogUnavailable("down")
    assert metrics.sends == {"sent": 1, "unavailable": 1}


def test_a_refused_token_is_counted_by_its_bucket_never_by_its_user() -> None:
    metrics = InMemoryMetrics()
    limiter = CountedRateLimiter(InMemoryRateLimiter(), metrics)
    bucket = Bucket(burst=1, per_second=0.001)
    assert asyncio.run(limiter.take("read:u1", bucket, NOW)) == 0
    assert asyncio.run(limiter.take("read:u1", bucket, NOW)) > 0
    assert metrics.limited == {"read": 1}
