"""How the delivery loop treats an answer: delivered, retried (5xx, 429,
no answer; with exponential backoff and jitter), given up (other 4xx, or
too many attempts), or the device rejected; and a circuit breaker per
destination, so a dead push service is left alone for a while. Pure
(time and randomness are passed in)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from projections.delivery_ports import PushAnswer
from projections.notification_ports import FAILED, REJECTED, SENT

RETRY = "retry"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int, answer: PushAnswer, rng: random.Random) -> float:
        """Seconds before attempt ``attempt + 1``: half the exponential step
        plus a random half of it (so retries of many deliveries spread), and
        never sooner than a ``Retry-After``."""
        step = min(self.cap, self.base * 2 ** (attempt - 1))
        jittered: float = step / 2 + rng.uniform(0, step / 2)
        return max(jittered, min(float(answer.retry_after or 0.0), self.cap))


def is_transient(answer: PushAnswer) -> bool:
    """No answer, a server error or too many requests: worth another try,
    and a sign the destination is in trouble."""
    return answer.status is None or answer.status >= 500 or answer.status == 429


def outcome(answer: PushAnswer, attempt: int, policy: RetryPolicy) -> tuple[str, str]:
    """(``sent`` | ``retry`` | ``failed`` | ``rejected``, reason) for the
    answer to attempt number ``attempt`` (1 for the first)."""
    if answer.device_gone:
        return REJECTED, describe(answer)
    if answer.status is not None and 200 <= answer.status < 300:
        return SENT, ""
    if not is_transient(answer):
        return FAILED, describe(answer)
    if attempt >= policy.max_attempts:
        return FAILED, f"{describe(answer)} after {attempt} attempts"
    return RETRY, describe(answer)


def describe(answer: PushAnswer) -> str:
    if answer.device_gone:
        return "the push service no longer knows the device" + (
            f" (http {answer.status})" if answer.status not in (None, 200) else ""
        )
    if answer.status is None:
        return answer.error or "no answer"
    return f"http {answer.status}"


class CircuitBreaker:
    """Closed until ``threshold`` transient failures in a row; then open for
    ``cooldown`` (nothing is sent there); then one trial: its success
    closes it, its failure opens it again."""

    def __init__(self, threshold: int = 5, cooldown: float = 30.0) -> None:
        self.threshold = threshold
        self.cooldown = timedelta(seconds=cooldown)
        self._failures = 0
        self._open_until: datetime | None = None
        self._trial = False

    def blocked(self, now: datetime) -> bool:
        """True while nothing more should be taken for this destination."""
        if self._open_until is None:
            return False
        return now < self._open_until or self._trial

    @property
    def reopens_at(self) -> datetime | None:
        return self._open_until

    def allow(self, now: datetime) -> bool:
        """May a request go now? After the cooldown, one (the trial) may."""
        if self._open_until is None:
            return True
        if now < self._open_until or self._trial:
            return False
        self._trial = True
        return True

    def record(self, answer: PushAnswer, now: datetime) -> None:
        if not is_transient(answer):
            self._failures, self._open_until, self._trial = 0, None, False
            return
        self._failures += 1
        if self._trial or self._failures >= self.threshold:
            self._open_until, self._trial = now + self.cooldown, False
