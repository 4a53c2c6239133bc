"""Metrics kept in memory, for tests (the twin of app.metrics)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping


class InMemoryMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sends: Counter[str] = Counter()
        self.limited: Counter[str] = Counter()
        self.rejections: Counter[str] = Counter()
        self.parked_records: Counter[str] = Counter()
        self.push_latencies: list[float] = []
        self.lags: dict[tuple[str, str], dict[int, int]] = {}
        self.snapshots: dict[int, float] = {}
        self.last_restore: float | None = None

    def send_answered(self, outcome: str) -> None:
        with self._lock:
            self.sends[outcome] += 1

    def rate_limited(self, what: str) -> None:
        with self._lock:
            self.limited[what] += 1

    def command_rejected(self, code: str) -> None:
        with self._lock:
            self.rejections[code] += 1

    def pushed(self, seconds: float) -> None:
        with self._lock:
            self.push_latencies.append(seconds)

    def consumer_lag(self, group: str, topic: str, lags: Mapping[int, int]) -> None:
        with self._lock:
            self.lags[(group, topic)] = dict(lags)

    def parked(self, topic: str) -> None:
        with self._lock:
            self.parked_records[topic] += 1

    def snapshot_taken(self, partition: int, at: float) -> None:
        with self._lock:
            self.snapshots[partition] = at

    def restored(self, seconds: float) -> None:
        with self._lock:
            self.last_restore = seconds
