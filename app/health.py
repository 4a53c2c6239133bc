"""Health of this process: alive (``/healthz``) and ready to serve
(``/readyz``), as JSON answers with 200 or 503.

Alive: the process answers and no role loop has been stuck (the liveness
records the watchdog reads, ``app.supervise.watch``). Ready: not stopping,
every probe of a service it uses passes (Kafka metadata, PostgreSQL,
Redis), and every consumer of the process has reported its position
recently with a lag under ``CHAT_READY_MAX_LAG`` records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from commands.liveness import Liveness
from commands.metrics import Metrics

STALE_AFTER_SECONDS = 15.0
"""A consumer that has not reported its position for this long (stuck, or
busy restoring its partitions) is not ready."""

PROBE_TIMEOUT_SECONDS = 2.0


@dataclass
class _Consumer:
    reported_at: float | None = None
    lags: Mapping[int, int] = field(default_factory=dict)


class HealthBoard:
    """What every role of the process reports; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._consumers: dict[tuple[str, str], _Consumer] = {}
        self._loops: list[Liveness] = []
        self.max_lag = 1000
        self.stopping = threading.Event()

    def lag_listener(
        self, group: str, topic: str, metrics: Metrics
    ) -> Callable[[Mapping[int, int]], None]:
        """The listener a consumer of ``group`` on ``topic`` reports to; from
        now on readiness waits for its first report."""
        key = (group, topic)
        with self._lock:
            self._consumers[key] = _Consumer()

        def report(lags: Mapping[int, int]) -> None:
            with self._lock:
                self._consumers[key] = _Consumer(self._clock(), dict(lags))
            metrics.consumer_lag(group, topic, lags)

        return report

    def watch_loop(self, liveness: Liveness) -> None:
        with self._lock:
            self._loops.append(liveness)

    def stuck(self) -> list[str]:
        with self._lock:
            loops = list(self._loops)
        return [reason for loop in loops if (reason := loop.stalled()) is not None]

    def lag_problems(self) -> tuple[dict[str, Any], list[str]]:
        """Each consumer's lag (for the answer), and why it is not ready."""
        now = self._clock()
        lags: dict[str, Any] = {}
        problems: list[str] = []
        with self._lock:
            consumers = dict(self._consumers)
        for (group, topic), consumer in sorted(consumers.items()):
            name = f"{group}/{topic}"
            if consumer.reported_at is None:
                problems.append(f"{name}: no position yet")
                continue
            total = sum(consumer.lags.values())
            lags[name] = {"partitions": sorted(consumer.lags), "lag": total}
            age = now - consumer.reported_at
            if age > STALE_AFTER_SECONDS:
                problems.append(f"{name}: no position for {age:.0f} s")
            elif total > self.max_lag:
                problems.append(f"{name}: {total} records behind (ready under {self.max_lag})")
        return lags, problems


def liveness_answer(board: HealthBoard) -> tuple[int, dict[str, Any]]:
    stuck = board.stuck()
    if stuck:
        return 503, {"status": "stuck", "problems": stuck}
    return 200, {"status": "alive"}


def readiness_answer(
    board: HealthBoard, probes: Mapping[str, str | None]
) -> tuple[int, dict[str, Any]]:
    """``probes``: each service's problem, or None when it answered."""
    lags, problems = board.lag_problems()
    problems += [f"{name}: {problem}" for name, problem in probes.items() if problem]
    if board.stopping.is_set():
        problems.insert(0, "stopping")
    body: dict[str, Any] = {
        "status": "not_ready" if problems else "ready",
        "checks": {name: problem or "ok" for name, problem in probes.items()},
        "consumers": lags,
    }
    if problems:
        body["problems"] = problems
    return (503 if problems else 200), body


_BOARD = HealthBoard()


def process_health() -> HealthBoard:
    """The health board of this process (every role in it reports there)."""
    return _BOARD
