"""Consumer lag per partition, from what librdkafka knows already (the high
watermarks of its last fetches, no request), handed to a listener at most
once per interval from the consumer's own thread (a consumer is not shared
across threads)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from confluent_kafka import Consumer, TopicPartition

LagListener = Callable[[Mapping[int, int]], None]
"""Takes partition -> records waiting, for every partition held whose
position is known."""

REPORT_INTERVAL = 1.0


def cached_lags(consumer: Consumer, partitions: list[TopicPartition]) -> dict[int, int]:
    lags: dict[int, int] = {}
    for position in consumer.position(partitions):
        _, high = consumer.get_watermark_offsets(position, cached=True)
        if position.offset >= 0 and high >= 0:
            lags[position.partition] = max(0, high - position.offset)
    return lags


class LagReporter:
    def __init__(
        self,
        listener: LagListener | None,
        interval: float = REPORT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._listener = listener
        self._interval = interval
        self._clock = clock
        self._next = 0.0

    def maybe_report(
        self, consumer: Consumer, partitions: Callable[[], list[TopicPartition]]
    ) -> None:
        """Reports the lags if the interval has passed since the last report."""
        if self._listener is None or self._clock() < self._next:
            return
        self._next = self._clock() + self._interval
        self._listener(cached_lags(consumer, partitions()))
