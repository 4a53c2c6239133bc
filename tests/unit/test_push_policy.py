"""Retry policy, outcomes and the circuit breaker of the delivery loop."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from projections.delivery_ports import PushAnswer
from projections.push_policy import RETRY, CircuitBreaker, RetryPolicy, outcome

POLICY = RetryPolicy(max_attempts=3, base=1.0, cap=60.0)
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def test_server_errors_too_many_requests_and_no_answer_are_retried() -> None:
    for answer in (PushAnswer(500), PushAnswer(503), PushAnswer(429), PushAnswer(None, "timeout")):
        assert outcome(answer, 1, POLICY)[0] == RETRY


def test_other_client_errors_fail_at_once() -> None:
    assert outcome(PushAnswer(400), 1, POLICY) == ("failed", "http 400")
    assert outcome(PushAnswer(403), 1, POLICY) == ("failed", "http 403")


def test_the_last_attempt_fails_and_says_how_many_were_made() -> None:
    assert outcome(PushAnswer(503), 3, POLICY) == ("failed", "http 503 after 3 attempts")


def test_a_gone_device_is_rejected_and_a_2xx_is_sent() -> None:
    assert outcome(PushAnswer(410, device_gone=True), 1, POLICY)[0] == "rejected"
    assert outcome(PushAnswer(201), 1, POLICY) == ("sent", "")


def test_backoff_doubles_within_jitter_and_respects_retry_after() -> None:
    rng = random.Random(7)
    delays = [POLICY.delay(n, PushAnswer(503), rng) for n in (1, 2, 3, 4)]
    for attempt, delay in enumerate(delays, start=1):
        step = 2 ** (attempt - 1)
        assert step / 2 <= delay <= step
    assert POLICY.delay(1, PushAnswer(429, retry_after=30), rng) == 30


def test_jitter_spreads_retries_of_the_same_attempt() -> None:
    rng = random.Random(1)
    assert len({POLICY.delay(3, PushAnswer(503), rng) for _ in range(10)}) == 10


def test_the_breaker_opens_after_the_threshold_of_transient_failures() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=10)
    breaker.record(PushAnswer(503), T0)
    assert not breaker.blocked(T0)
    breaker.record(PushAnswer(None, "timeout"), T0)
    assert breaker.blocked(T0) and not breaker.allow(T0)


def test_a_success_or_a_client_error_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=10)
    breaker.record(PushAnswer(503), T0)
    breaker.record(PushAnswer(404), T0)
    breaker.record(PushAnswer(503), T0)
    assert not breaker.blocked(T0)


def test_after_the_cooldown_one_trial_goes_and_its_failure_reopens() -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=10)
    breaker.record(PushAnswer(503), T0)
    later = T0 + timedelta(seconds=11)
    assert breaker.allow(later) and not breaker.allow(later)
    breaker.record(PushAnswer(503), later)
    assert breaker.blocked(later + timedelta(seconds=5))


def test_a_successful_trial_closes_the_breaker() -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=10)
    breaker.record(PushAnswer(503), T0)
    later = T0 + timedelta(seconds=11)
    assert breaker.allow(later)
    breaker.record(PushAnswer(200), later)
    assert not breaker.blocked(later) and breaker.allow(later)
