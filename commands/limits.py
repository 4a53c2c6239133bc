"""Rate limits: token buckets keyed by user (sends) or handle (logins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class RateLimited(Exception):
    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many requests; retry in {retry_after:.2f} s")
        self.retry_after = retry_after

    @property
    def retry_after_ms(self) -> int:
        return max(1, int(self.retry_after * 1000 + 0.999))


@dataclass(frozen=True)
class Bucket:
    """``burst`` tokens at most, refilled at ``per_second``."""

    burst: int
    per_second: float


class RateLimiter(Protocol):
    async def take(self, key: str, bucket: Bucket, now: datetime) -> float:
        """Takes one token: 0.0 if there was one, else the seconds until there is."""
        ...


async def require_token(limiter: RateLimiter, key: str, bucket: Bucket, now: datetime) -> None:
    wait = await limiter.take(key, bucket, now)
    if wait > 0:
        raise RateLimited(wait)
