"""Kafka helpers of the tests: wait for the broker, delete test topics."""

from __future__ import annotations

import time
from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from commands.ports import LogUnavailable
from infra.kafka.records import kafka_error


def wait_for_broker(bootstrap: str, timeout: float = 30.0) -> None:
    """Returns once a metadata request succeeds; raises LogUnavailable if
    none did within ``timeout`` seconds."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            metadata = admin.list_topics(timeout=max(0.5, min(remaining, 3.0)))
        except KafkaException as error:
            if time.monotonic() >= deadline:
                raise LogUnavailable(f"no Kafka broker at {bootstrap}: {error}") from error
            continue
        if metadata.brokers:
            return
        if time.monotonic() >= deadline:
            raise LogUnavailable(f"no Kafka broker at {bootstrap}")


def delete_topics(bootstrap: str, names: Iterable[str], timeout: float = 30.0) -> None:
    """Deletes the topics; topics that do not exist are ignored."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.delete_topics(list(names), request_timeout=timeout)
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as error:
            inner = kafka_error(error)
            if inner is None or inner.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise LogUnavailable(f"cannot delete topic {name}: {error}") from error
