"""The edge's counts, kept beside what they count: the outcome of each
send, and every refusal of a token bucket (decorators of the limiter and
the send admission, so that every bucket is counted, whoever takes from it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from commands.admission import Admission, SendAdmission
from commands.limits import Bucket, RateLimited, RateLimiter
from commands.metrics import Metrics
from commands.ports import LogUnavailable


def send_outcome(error: BaseException | None) -> str:
    """What a send ended with (commands.metrics.SEND_OUTCOMES)."""
    if error is None:
        return "sent"
    if isinstance(error, RateLimited):
        return "rate_limited"
    if isinstance(error, LogUnavailable):
        return "unavailable"
    return "refused"


@contextmanager
def counting_send(metrics: Metrics) -> Iterator[None]:
    """Counts the send made inside the block by how it ended."""
    try:
        yield
    except Exception as error:
        metrics.send_answered(send_outcome(error))
        raise
    metrics.send_answered("sent")


def bucket_name(key: str) -> str:
    """``sync:u1`` -> ``sync``: the bucket's kind, never the user or handle."""
    return key.split(":", 1)[0]


class CountedRateLimiter:
    def __init__(self, limiter: RateLimiter, metrics: Metrics) -> None:
        self._limiter = limiter
        self._metrics = metrics

    async def take(self, key: str, bucket: Bucket, now: datetime) -> float:
        wait = await self._limiter.take(key, bucket, now)
        if wait > 0:
            self._metrics.rate_limited(bucket_name(key))
        return wait


class CountedAdmission:
    def __init__(self, admission: SendAdmission, metrics: Metrics) -> None:
        self._admission = admission
        self._metrics = metrics

    async def admit(
        self, user_id: str, claim: str, fresh_id: int, bucket: Bucket, now: datetime
    ) -> Admission:
        admitted = await self._admission.admit(user_id, claim, fresh_id, bucket, now)
        if admitted.retry_after > 0:
            self._metrics.rate_limited("send")
        return admitted

    async def confirm(self, user_id: str, claim: str, message_id: int) -> None:
        await self._admission.confirm(user_id, claim, message_id)

    async def new_user(self, user_id: str) -> None:
        await self._admission.new_user(user_id)
