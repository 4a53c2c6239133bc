"""Reads every committed record of some partitions, oldest first per
partition: up to the end each had when reading started (its last stable
offset), or, for a processor taking a partition over, until no transaction
is open on it any more, so that nothing committed after an abandoned
transaction is missed."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)

from commands.ports import LogUnavailable
from domain.records import LogRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.records import check_consumer_error, to_log_record

WATERMARK_TIMEOUT = 5.0


def read_committed_partitions(
    kafka: KafkaConfig,
    topic: str,
    partitions: Sequence[int],
    stall_timeout: float = 30.0,
    until_no_open_transaction: bool = False,
    start: Mapping[int, int] | None = None,
) -> Iterator[LogRecord]:
    """Yields the committed records of ``topic[p]`` for each p, from offset
    ``start[p]`` (the beginning when not given), with one consumer.

    Ends a partition on its EOF event, not on an offset (transaction markers
    take offsets too). With ``until_no_open_transaction``, an EOF below the
    high watermark (an open transaction holds the last stable offset back)
    does not end it: reading goes on once that transaction ends (committed,
    aborted, or timed out). Raises LogUnavailable if no progress is made for
    ``stall_timeout``.
    """
    if not partitions:
        return
    reader = Consumer(_config(kafka, "read_committed"))
    watermarks = Consumer(_config(kafka, "read_uncommitted")) if until_no_open_transaction else None
    try:
        first = start or {}
        reader.assign(
            [TopicPartition(topic, p, first.get(p, OFFSET_BEGINNING)) for p in partitions]
        )
        yield from _until_eof(reader, watermarks, topic, set(partitions), stall_timeout)
    finally:
        reader.close()
        if watermarks is not None:
            watermarks.close()


def _config(kafka: KafkaConfig, isolation: str) -> dict[str, object]:
    return kafka.client(
        {
            # Never joins the group (assign only) and never commits.
            "group.id": f"reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "isolation.level": isolation,
            "enable.partition.eof": True,
            # An empty fetch answers at once, so EOF is not held back 500 ms.
            "fetch.wait.max.ms": 10,
        }
    )


def _until_eof(
    consumer: Consumer,
    watermarks: Consumer | None,
    topic: str,
    open_partitions: set[int],
    stall_timeout: float,
) -> Iterator[LogRecord]:
    deadline = time.monotonic() + stall_timeout
    while open_partitions:
        messages = consumer.consume(num_messages=500, timeout=0.2)
        if messages:
            deadline = time.monotonic() + stall_timeout
        for message in messages:
            error = message.error()
            if error is None:
                if message.partition() in open_partitions:
                    yield to_log_record(message)
            elif error.code() == KafkaError._PARTITION_EOF:
                if _complete(message, watermarks, topic):
                    open_partitions.discard(message.partition() or 0)
            else:
                check_consumer_error(error)
        if time.monotonic() >= deadline:
            raise LogUnavailable(f"no progress reading partitions for {stall_timeout}s")


def _complete(eof: Message, watermarks: Consumer | None, topic: str) -> bool:
    if watermarks is None:
        return True
    return (eof.offset() or 0) >= _high_watermark(watermarks, topic, eof.partition() or 0)


def _high_watermark(watermarks: Consumer, topic: str, partition: int) -> int:
    """The partition's high watermark (past any open transaction), asked of
    the broker until it answers."""
    deadline = time.monotonic() + WATERMARK_TIMEOUT * 3
    while True:
        try:
            _, high = watermarks.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=WATERMARK_TIMEOUT
            )
            return int(high)
        except KafkaException as error:  # e.g. no metadata for the topic yet
            if time.monotonic() >= deadline:
                message = f"no high watermark for {topic}[{partition}]: {error}"
                raise LogUnavailable(message) from error
            with contextlib.suppress(KafkaException):
                watermarks.list_topics(topic, timeout=WATERMARK_TIMEOUT)
