"""Reading topics as an outsider (replay, audit verify): a plain consumer
with ``assign()``, never ``subscribe()``. It joins no consumer group and
commits nothing (``enable.auto.commit=false`` and a throwaway ``group.id``
that never commits), so the live groups and their offsets are untouched.

Each partition is read from a start offset (the beginning, or the first
record at or after a time: ``offsets_for_times``) to a stop offset (the
high watermark taken when reading starts, or the first record at or after
an end time), or for ever with ``follow``. Committed records only
(``read_committed``): aborted transactions are never seen.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from commands.ports import LogUnavailable
from domain.records import LogRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.records import check_consumer_error, to_log_record
from infra.kafka.topics import topic_partitions

TIMEOUT = 10.0
FOLLOW = -1
"""A stop offset meaning: never stop (``--follow``)."""


@dataclass(frozen=True)
class LoggedRecord:
    """A record with the topic it came from and the broker's timestamp."""

    topic: str
    record: LogRecord
    timestamp_ms: int


@dataclass(frozen=True)
class Span:
    """Offsets ``start`` (inclusive) to ``stop`` (exclusive; FOLLOW: none) of a partition."""

    topic: str
    partition: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """Offsets in the span (records, plus transaction markers)."""
        return 0 if self.stop == FOLLOW else max(0, self.stop - self.start)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class LogReader:
    """One consumer over any number of topics' partitions."""

    def __init__(self, kafka: KafkaConfig) -> None:
        self._kafka = kafka
        self._consumer = Consumer(
            kafka.client(
                {
                    "group.id": f"outside-reader-{uuid.uuid4().hex}",
                    "enable.auto.commit": False,
                    "enable.auto.offset.store": False,
                    "isolation.level": "read_committed",
                    "enable.partition.eof": True,
                    "fetch.wait.max.ms": 50,
                }
            )
        )

    def close(self) -> None:
        self._consumer.close()

    def __enter__(self) -> LogReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def spans(
        self,
        topic: str,
        since: datetime | None = None,
        until: datetime | None = None,
        follow: bool = False,
        partitions: Sequence[int] | None = None,
    ) -> list[Span]:
        """Where reading ``topic`` starts and stops, per partition, decided now."""
        numbers = (
            list(partitions) if partitions is not None else topic_partitions(self._kafka, topic)
        )
        spans = []
        for partition in numbers:
            low, high = self._watermarks(topic, partition)
            start = low if since is None else self._offset_at(topic, partition, since, high)
            stop = FOLLOW if follow else high
            if until is not None:
                stop = self._offset_at(topic, partition, until, high)
            spans.append(Span(topic, partition, start, stop))
        return spans

    def _watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        try:
            low, high = self._consumer.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=TIMEOUT
            )
        except KafkaException as error:
            raise LogUnavailable(f"no watermarks for {topic}[{partition}]: {error}") from error
        return int(low), int(high)

    def _offset_at(self, topic: str, partition: int, moment: datetime, high: int) -> int:
        """The first offset whose timestamp is at or after ``moment`` (the
        high watermark if there is none)."""
        asked = TopicPartition(topic, partition, _ms(moment))
        try:
            (found,) = self._consumer.offsets_for_times([asked], timeout=TIMEOUT)
        except KafkaException as error:
            raise LogUnavailable(
                f"no offset for a time in {topic}[{partition}]: {error}"
            ) from error
        return high if found.offset < 0 else int(found.offset)

    def read(
        self, spans: Sequence[Span], stop: threading.Event | None = None
    ) -> Iterator[LoggedRecord]:
        """The committed records of the spans, each partition in offset order."""
        pending = {(s.topic, s.partition): s for s in spans if s.stop == FOLLOW or s.size > 0}
        if not pending:
            return
        self._consumer.assign(
            [
                TopicPartition(s.topic, s.partition, s.start if s.start >= 0 else OFFSET_BEGINNING)
                for s in pending.values()
            ]
        )
        stop = stop or threading.Event()
        while pending and not stop.is_set():
            for message in self._consumer.consume(num_messages=1000, timeout=0.5):
                place = (message.topic() or "", message.partition() or 0)
                span = pending.get(place)
                if span is None:
                    continue
                error = message.error()
                offset = message.offset() or 0
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        if span.stop != FOLLOW and offset >= span.stop:
                            del pending[place]
                    else:
                        check_consumer_error(error)
                    continue
                if span.stop != FOLLOW and offset >= span.stop:
                    del pending[place]
                    continue
                yield LoggedRecord(place[0], to_log_record(message), _timestamp(message))
                if span.stop != FOLLOW and offset + 1 >= span.stop:
                    del pending[place]


def _timestamp(message: object) -> int:
    kind, value = message.timestamp()  # type: ignore[attr-defined]
    return int(value) if kind else 0
