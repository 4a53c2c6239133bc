"""In-memory token buckets."""

from __future__ import annotations

from datetime import datetime

from commands.limits import Bucket


class InMemoryRateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    async def take(self, key: str, bucket: Bucket, now: datetime) -> float:
        at = now.timestamp()
        tokens, last = self._buckets.get(key, (float(bucket.burst), at))
        tokens = min(float(bucket.burst), tokens + max(0.0, at - last) * bucket.per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, at)
            return 0.0
        self._buckets[key] = (tokens, at)
        return (1.0 - tokens) / bucket.per_second
