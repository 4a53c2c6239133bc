"""Kafka messages <-> log records, producing to a partition, and the
handling of consumer errors, as every Kafka adapter does them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from commands.ports import LogUnavailable
from domain.records import LogRecord, OutgoingRecord
from infra.kafka.lag import cached_lags

log = logging.getLogger(__name__)

RawHeaders = dict[str, str | bytes | None] | list[tuple[str, str | bytes | None]] | None
DeliveryCallback = Callable[[KafkaError | None, Message], None]

MAX_BATCH = 500
"""Most records one ``poll`` hands out."""


def encode_headers(headers: Mapping[str, str]) -> list[tuple[str, str | bytes | None]]:
    return [(name, value.encode("utf-8")) for name, value in headers.items()]


def decode_headers(raw: RawHeaders) -> dict[str, str]:
    """Kafka headers (values bytes, possibly None) as str -> str."""
    pairs = raw.items() if isinstance(raw, dict) else raw or ()
    return {name: _text(value) for name, value in pairs}


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.decode("utf-8")


def to_log_record(message: Message) -> LogRecord:
    key = message.key()
    return LogRecord(
        partition=message.partition() or 0,
        offset=message.offset() or 0,
        key=key.decode("utf-8") if isinstance(key, bytes) else (key or ""),
        value=message.value() or b"",
        headers=decode_headers(message.headers()),
    )


def check_consumer_error(error: KafkaError) -> None:
    """Fatal errors end the consumer; anything else is logged and the
    consumer carries on (librdkafka retries by itself)."""
    if error.code() == KafkaError._PARTITION_EOF:
        return
    if error.fatal():
        raise LogUnavailable(f"fatal consumer error: {error}")
    log.warning("consumer error (continuing): %s", error)


def consume_records(
    consumer: Consumer,
    timeout: float,
    keep: Callable[[int], bool] | None = None,
) -> list[LogRecord]:
    """Up to ``MAX_BATCH`` records: waits at most ``timeout`` seconds for the
    first, then takes only what is already fetched (a batch never waits for
    more records to arrive, so latency stays at one fetch)."""
    records: list[LogRecord] = []
    first = consumer.poll(timeout)
    if first is None:
        return records
    messages = [first, *consumer.consume(num_messages=MAX_BATCH - 1, timeout=0)]
    for message in messages:
        error = message.error()
        if error is not None:
            check_consumer_error(error)
            continue
        record = to_log_record(message)
        if keep is None or keep(record.partition):
            records.append(record)
    return records


def try_produce(
    producer: Producer,
    topic: str,
    partition: int,
    record: OutgoingRecord,
    on_delivery: DeliveryCallback | None = None,
) -> None:
    """Produces to an explicit partition; raises ``BufferError`` when the
    local queue is full (the caller decides how to wait). Delivery reports
    are served by whoever polls the producer (the publisher's own thread)."""
    kwargs: dict[str, Any] = {}
    if on_delivery is not None:
        kwargs["on_delivery"] = on_delivery
    producer.produce(
        topic,
        value=record.value,
        key=record.key.encode("utf-8"),
        partition=partition,
        headers=encode_headers(record.headers),
        **kwargs,
    )


def produce_blocking(
    producer: Producer,
    topic: str,
    partition: int,
    record: OutgoingRecord,
    on_delivery: DeliveryCallback | None = None,
    attempts: int = 100,
) -> None:
    """``try_produce`` for threads that may block and have no poll thread:
    serves delivery reports after each record, and on a full queue for a
    moment before retrying, a bounded number of times."""
    for _ in range(attempts):
        try:
            try_produce(producer, topic, partition, record, on_delivery)
        except BufferError:
            producer.poll(0.05)
            continue
        producer.poll(0)
        return
    raise LogUnavailable(f"producer queue stayed full for {topic}[{partition}]")


def kafka_error(exception: KafkaException) -> KafkaError | None:
    """The KafkaError inside a KafkaException, if there is one."""
    first = exception.args[0] if exception.args else None
    return first if isinstance(first, KafkaError) else None


def cached_backlog(consumer: Consumer, partitions: list[TopicPartition]) -> int:
    """Records waiting beyond the positions, from what librdkafka knows
    already (the high watermarks of its last fetches; no request)."""
    return sum(cached_lags(consumer, partitions).values())
