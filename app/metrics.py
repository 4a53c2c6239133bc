"""Prometheus metrics (``prometheus_client``) of this process: the one
implementation of ``commands.metrics.Metrics`` that exports, served at
``/metrics`` by the edge's server and by each role's health server.

Every metric is listed, with what it measures, in docs/operations.md. The
snapshot and dead-letter code calls ``count_parked_record``,
``set_snapshot_taken`` and ``set_restore_time`` (or the same methods of the
``Metrics`` port it is given).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

PUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class SnapshotAges(Collector):
    """``chat_snapshot_age_seconds{partition}``: computed at each scrape from
    when the newest snapshot of each partition was taken."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._taken: dict[int, float] = {}

    def taken(self, partition: int, at: float) -> None:
        with self._lock:
            self._taken[partition] = max(at, self._taken.get(partition, at))

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "chat_snapshot_age_seconds",
            "Age of the newest processor snapshot of each partition",
            labels=["partition"],
        )
        now = self._clock()
        with self._lock:
            for partition, at in sorted(self._taken.items()):
                family.add_metric([str(partition)], max(0.0, now - at))
        yield family


class PrometheusMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._sends = Counter(
            "chat_sends", "Sends answered, by outcome", ["outcome"], registry=registry
        )
        self._limited = Counter(
            "chat_rate_limited", "Requests refused by a token bucket", ["what"], registry=registry
        )
        self._rejections = Counter(
            "chat_rejections",
            "Commands the processor rejected after they were acknowledged",
            ["code"],
            registry=registry,
        )
        self._push_latency = Histogram(
            "chat_send_to_push_seconds",
            "From the edge taking a send to the projector publishing its message push",
            buckets=PUSH_BUCKETS,
            registry=registry,
        )
        self._lag = Gauge(
            "chat_consumer_lag",
            "Records waiting beyond the consumer's position",
            ["group", "topic", "partition"],
            registry=registry,
        )
        self._parked = Counter(
            "chat_parked_records",
            "Records parked on a dead-letter topic",
            ["topic"],
            registry=registry,
        )
        self._restore = Gauge(
            "chat_restore_seconds",
            "How long the last restore of assigned partitions took",
            registry=registry,
        )
        self.sockets_open = Gauge(
            "chat_sockets_open", "Authenticated sockets open on this edge", registry=registry
        )
        self._snapshots = SnapshotAges()
        registry.register(self._snapshots)
        self._lag_lock = threading.Lock()
        self._lag_partitions: dict[tuple[str, str], set[int]] = {}

    def send_answered(self, outcome: str) -> None:
        self._sends.labels(outcome).inc()

    def rate_limited(self, what: str) -> None:
        self._limited.labels(what).inc()

    def command_rejected(self, code: str) -> None:
        self._rejections.labels(code).inc()

    def pushed(self, seconds: float) -> None:
        self._push_latency.observe(max(0.0, seconds))

    def consumer_lag(self, group: str, topic: str, lags: Mapping[int, int]) -> None:
        """Sets the lag of each partition held, and drops those no longer held."""
        with self._lag_lock:
            before = self._lag_partitions.get((group, topic), set())
            for partition in before - set(lags):
                self._lag.remove(group, topic, str(partition))
            for partition, lag in lags.items():
                self._lag.labels(group, topic, str(partition)).set(lag)
            self._lag_partitions[(group, topic)] = set(lags)

    def parked(self, topic: str) -> None:
        self._parked.labels(topic).inc()

    def snapshot_taken(self, partition: int, at: float) -> None:
        self._snapshots.taken(partition, at)

    def restored(self, seconds: float) -> None:
        self._restore.set(seconds)

    def count_sockets(self, count: Callable[[], int]) -> None:
        """``chat_sockets_open`` reads ``count()`` at each scrape."""
        self.sockets_open.set_function(lambda: float(count()))


def _process_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


_PROCESS: PrometheusMetrics | None = None
_PROCESS_LOCK = threading.Lock()


def process_metrics() -> PrometheusMetrics:
    """The metrics of this process (every role in it shares them)."""
    global _PROCESS
    with _PROCESS_LOCK:
        if _PROCESS is None:
            _PROCESS = PrometheusMetrics(_process_registry())
        return _PROCESS


def count_parked_record(topic: str) -> None:
    """``chat_parked_records_total{topic}`` + 1: a record was parked."""
    process_metrics().parked(topic)


def set_snapshot_taken(partition: int, at: float) -> None:
    """The newest snapshot of ``partition`` is from ``at`` (Unix time);
    ``chat_snapshot_age_seconds{partition}`` is now minus that at each scrape."""
    process_metrics().snapshot_taken(partition, at)


def set_restore_time(seconds: float) -> None:
    """``chat_restore_seconds``: the last restore of assigned partitions."""
    process_metrics().restored(seconds)


def exposition(registry: CollectorRegistry | None = None) -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    return generate_latest(registry or process_metrics().registry), CONTENT_TYPE_LATEST
