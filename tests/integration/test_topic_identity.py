"""A topic's identity (its broker id) tells a re-created topic from the one
before it: what the processor's snapshot marks are tied to."""

from __future__ import annotations

import time

from confluent_kafka.admin import AdminClient

from infra.kafka.config import KafkaConfig
from infra.kafka.topics import ensure_topics, topic_id


def test_a_topic_deleted_and_created_again_has_another_identity(
    kafka_bootstrap: str, unique_name: str
) -> None:
    kafka = KafkaConfig(kafka_bootstrap)
    name = f"{unique_name}.chat.events"
    ensure_topics(kafka, {name: {}}, 2)
    first = topic_id(kafka, name)
    assert topic_id(kafka, name) == first
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for future in admin.delete_topics([name]).values():
        future.result(timeout=30)
    wait_until_gone(admin, name)
    ensure_topics(kafka, {name: {}}, 2, timeout=60)
    try:
        assert topic_id(kafka, name) not in ("", first)
    finally:
        for future in admin.delete_topics([name]).values():
            future.result(timeout=30)


def wait_until_gone(admin: AdminClient, name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while name in admin.list_topics(timeout=10).topics:
        assert time.monotonic() < deadline, f"{name} still listed"
        time.sleep(0.1)
