"""Reads every committed record of some partitions, oldest first per
partition, up to the end each had when reading started (its last stable
offset)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from commands.ports import LogUnavailable
from domain.records import LogRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.records import check_consumer_error, to_log_record


def read_committed_partitions(
    kafka: KafkaConfig,
    topic: str,
    partitions: Sequence[int],
    stall_timeout: float = 30.0,
) -> Iterator[LogRecord]:
    """Yields the committed records of ``topic[p]`` for each p, with one consumer.

    Ends on each partition's EOF event, not on an offset: transaction markers
    take offsets too, so the last record is often below the high watermark.
    Raises LogUnavailable if no progress is made for ``stall_timeout``.
    """
    if not partitions:
        return
    config = kafka.client(
        {
            # Never joins the group (assign only) and never commits.
            "group.id": f"reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "isolation.level": "read_committed",
            "enable.partition.eof": True,
            # An empty fetch answers at once, so EOF is not held back 500 ms.
            "fetch.wait.max.ms": 10,
        }
    )
    consumer = Consumer(config)
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        yield from _until_eof(consumer, set(partitions), stall_timeout)
    finally:
        consumer.close()


def _until_eof(
    consumer: Consumer, open_partitions: set[int], stall_timeout: float
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
                open_partitions.discard(message.partition() or 0)
            else:
                check_consumer_error(error)
        if time.monotonic() >= deadline:
            raise LogUnavailable(f"no progress reading partitions for {stall_timeout}s")
