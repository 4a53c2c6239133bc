"""Reads every committed record of one partition, oldest first, up to the
end the partition had when reading started (its last stable offset)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from commands.ports import LogRecord, LogUnavailable
from infra.kafka_common import ExtraConfig, check_consumer_error, client_config, to_log_record


def read_committed_partition(
    bootstrap: str,
    topic: str,
    partition: int,
    stall_timeout: float = 30.0,
    extra: ExtraConfig | None = None,
) -> Iterator[LogRecord]:
    """Yields the committed records of ``topic[partition]``.

    Ends on the partition-EOF event, not on an offset: transaction markers
    take offsets too, so the last record is often below the high watermark.
    Raises LogUnavailable if no progress is made for ``stall_timeout``.
    """
    config = client_config(bootstrap, extra)
    config.update(
        {
            # Never joins the group (assign only) and never commits.
            "group.id": f"reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "isolation.level": "read_committed",
            "enable.partition.eof": True,
        }
    )
    consumer = Consumer(config)
    try:
        consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
        yield from _until_eof(consumer, stall_timeout)
    finally:
        consumer.close()


def _until_eof(consumer: Consumer, stall_timeout: float) -> Iterator[LogRecord]:
    deadline = time.monotonic() + stall_timeout
    while True:
        messages = consumer.consume(num_messages=500, timeout=0.2)
        if messages:
            deadline = time.monotonic() + stall_timeout
        for message in messages:
            error = message.error()
            if error is None:
                yield to_log_record(message)
            elif error.code() == KafkaError._PARTITION_EOF:
                return
            else:
                check_consumer_error(error)
        if time.monotonic() >= deadline:
            raise LogUnavailable(f"no progress reading a partition for {stall_timeout}s")
