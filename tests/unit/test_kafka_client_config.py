"""CHAT_KAFKA_CONFIG reaches every Kafka client (an unknown property is
refused by librdkafka when the client is made, before any connection)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from confluent_kafka import KafkaException

from app.settings import Settings
from infra.kafka.event_feed import KafkaEventFeed
from infra.kafka.processor_log import KafkaProcessorLog
from infra.kafka.publisher import KafkaPublisher
from infra.kafka.topics import ensure_topics

SETTINGS = Settings(kafka_bootstrap="127.0.0.1:1", kafka_client_config={"no.such.property": "1"})
KAFKA = SETTINGS.kafka

CLIENTS: dict[str, Callable[[], object]] = {
    "publisher": lambda: KafkaPublisher(KAFKA, "topic", 1).start(),
    "processor log": lambda: KafkaProcessorLog(KAFKA, "commands", "events", "group", "txn"),
    "event feed": lambda: KafkaEventFeed(KAFKA, "events", "group", lambda partition: 0),
    "topic admin": lambda: ensure_topics(KAFKA, {"topic": {}}, 1),
}


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_every_kafka_client_is_made_with_the_configured_properties(client: str) -> None:
    with pytest.raises(KafkaException, match=r"no\.such\.property"):
        CLIENTS[client]()
