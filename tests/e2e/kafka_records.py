"""Reading a topic's raw record values, without the application's code."""

from __future__ import annotations

import time
import uuid
from typing import Any

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient


def raw_values(bootstrap: str, topic: str) -> list[bytes]:
    """Every record value of a topic, read without the application's code."""
    partitions = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=10)
    count = len(partitions.topics[topic].partitions)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"raw-{uuid.uuid4()}",
            "enable.partition.eof": True,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(count)])
    values: list[bytes] = []
    ended: set[int] = set()
    deadline = time.monotonic() + 30
    while len(ended) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            ended.add(message.partition() or 0)
        else:
            values.append(message.value() or b"")
    consumer.close()
    return values


def group_lag(bootstrap: str, group: str, topic: str) -> dict[int, tuple[int, int]]:
    """Per partition of ``topic``: (the group's committed offset, the end offset)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        partitions = [TopicPartition(topic, p) for p in metadata.topics[topic].partitions]
        committed = consumer.committed(partitions, timeout=10)
        lag = {}
        for tp in committed:
            _, high = consumer.get_watermark_offsets(tp, timeout=10)
            lag[tp.partition] = (tp.offset, high)
        return lag
    finally:
        consumer.close()


def event_types(bootstrap: str, topic: str) -> list[tuple[str, dict[str, object]]]:
    """Every record of a topic as (its ``event_type`` header, its JSON value)."""
    import json

    partitions = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=10)
    count = len(partitions.topics[topic].partitions)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"raw-{uuid.uuid4()}",
            "enable.partition.eof": True,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(count)])
    records: list[tuple[str, dict[str, object]]] = []
    ended: set[int] = set()
    deadline = time.monotonic() + 30
    while len(ended) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            ended.add(message.partition() or 0)
            continue
        raw_headers: Any = message.headers() or []
        headers = {str(key): _text(value) for key, value in raw_headers}
        records.append((headers.get("event_type", ""), json.loads(message.value() or b"{}")))
    consumer.close()
    return records


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")
