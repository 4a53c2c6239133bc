"""Parking on the real engines: the projector copies an event it cannot
decode to the Kafka dead-letter topic and holds its conversation in
PostgreSQL, where a projector started later finds the hold."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from app.settings import Settings
from domain.codec import EventCodec
from domain.records import LogRecord
from infra.kafka.dead_letters import KafkaDeadLetters
from infra.kafka.partition_reader import read_committed_partitions
from infra.kafka.topics import ensure_topics
from infra.partitioning import partition_for
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.schema import create_schema
from projections.projector import HELD_REASON, Projector
from tests.support.kafka import delete_topics
from tests.support.postgres import drop_schema
from tests.support.projector_fakes import ListFeed, NoPushes

PARTITIONS = 3
CHAT = str(uuid.uuid4())


class Engines:
    def __init__(self, settings: Settings, dsn: str, schema: str) -> None:
        self.settings, self.dsn, self.schema = settings, dsn, schema
        self.partition = partition_for(CHAT, PARTITIONS)

    def project(self, *values: bytes, first_offset: int = 0) -> None:
        records = [
            LogRecord(
                self.partition, first_offset + n, CHAT, value, {"event_type": "MessagePosted"}
            )
            for n, value in enumerate(values)
        ]
        view = PostgresChatView.from_dsn(self.dsn, self.schema)
        dead_letters = KafkaDeadLetters(self.settings.kafka, self.settings.parked_topic, PARTITIONS)
        try:
            projector = Projector(view, NoPushes(), EventCodec(), "chat.events", dead_letters)
            projector.step(ListFeed(records), 0)
        finally:
            dead_letters.close()
            view.close()

    def parked(self) -> list[LogRecord]:
        topic = self.settings.parked_topic
        return list(read_committed_partitions(self.settings.kafka, topic, [self.partition]))


@pytest.fixture
def engines(kafka_bootstrap: str, postgres_dsn: str, unique_name: str) -> Iterator[Engines]:
    settings = Settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=f"{unique_name}.")
    topics = {settings.parked_topic: {"retention.ms": "-1"}}
    ensure_topics(settings.kafka, topics, PARTITIONS)
    create_schema(postgres_dsn, unique_name)
    try:
        yield Engines(settings, postgres_dsn, unique_name)
    finally:
        drop_schema(postgres_dsn, unique_name)
        delete_topics(kafka_bootstrap, topics)


def test_an_event_that_cannot_be_decoded_lands_on_the_dead_letter_topic(engines: Engines) -> None:
    engines.project(b"{oops")
    (parked,) = engines.parked()
    assert (parked.key, parked.value, parked.headers["parked_offset"]) == (CHAT, b"{oops", "0")


def test_a_projector_started_later_parks_the_held_conversations_next_event(
    engines: Engines,
) -> None:
    engines.project(b"{oops")
    engines.project(b"{}", first_offset=1)
    reasons = [record.headers["parked_error"] for record in engines.parked()]
    assert reasons[1:] == [HELD_REASON]
