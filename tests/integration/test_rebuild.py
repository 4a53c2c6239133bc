"""Rebuilding the read models from Kafka gives what the live projection wrote.

Against the real Kafka and PostgreSQL: a realistic stream of encoded events
goes to a fresh events topic (three partitions, a conversation per key), a
Projector applies the delivered records "live" into one schema, and
rebuild_view reads the topic from offset 0 into another.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from confluent_kafka import KafkaError, Message, Producer
from eventsourcing.domain import DomainEvent
from psycopg import sql

from app.rebuild import RebuildError, rebuild_view
from app.settings import Settings
from domain.codec import EventCodec
from domain.conversation import Conversation
from domain.records import LogRecord
from domain.rejection import CommandRejected
from infra.kafka.topics import ensure_topics
from infra.memory.dead_letters import InMemoryDeadLetters
from infra.memory.log import InMemoryLog
from infra.partitioning import partition_for
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.compare import compare_read_models
from infra.postgres.schema import create_schema
from infra.postgres.search import PostgresSearch
from projections.ports import Push
from projections.projector import Projector, tracking_name
from tests.support.kafka import delete_topics
from tests.support.postgres import drop_schema

PARTITIONS = 3
MESSAGES_IN_STORY = 8
# (searcher, word): ann's edited "hi bob!", bob's deleted "see you" (found
# nowhere), the reply, and bob's search of the team he was removed from.
SEARCHES = [("bob", "bob"), ("bob", "see"), ("ann", "yes"), ("bob", "morning")]
T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Story:
    """Events of real aggregates, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self._message_ids = itertools.count(2**62 + 1)

    def take(self, conversation: Conversation) -> Conversation:
        for event in conversation.collect_events():
            assert isinstance(event, DomainEvent)
            self.events.append(event)
        return conversation

    def post(self, conversation: Conversation, sender: str, minutes: int, body: str) -> None:
        message_id = next(self._message_ids)
        conversation.post_message(sender, f"c-{message_id}", message_id, body, at(minutes))
        self.take(conversation)

    def reject(self, conversation: Conversation, sender: str, minutes: int) -> None:
        fields: dict[str, Any] = {  # a dict: mypy does not see the event's fields
            "originator_id": conversation.id,
            "originator_version": conversation.version,
            "timestamp": at(minutes),
            "command_type": "SendMessage",
            "sender": sender,
            "client_msg_id": "c-late",
            "code": "not_found",
            "reason": "not a member",
        }
        self.events.append(CommandRejected(**fields))


def realistic_story() -> list[DomainEvent]:
    story = Story()
    direct = story.take(Conversation.start_direct("ann", "bob", at(0)))
    team = story.take(Conversation.create_group(uuid.uuid4(), "ann", "Team", ["bob", "cat"], at(1)))
    book = story.take(Conversation.create_group(uuid.uuid4(), "zed", "Books", ["amy"], at(2)))
    story.post(direct, "ann", 3, "hi bob")
    story.post(team, "bob", 4, "morning all")
    story.post(direct, "bob", 5, "hi ann ✓")
    team.add_members("ann", ["dan", "eve"], at(6), max_members=100)
    story.take(team)
    story.post(team, "dan", 7, "thanks for adding me")
    story.post(book, "amy", 8, "next: Dune")
    team.remove_member("ann", "bob", at(9))
    story.take(team)
    story.reject(team, "bob", 10)
    team.rename("ann", "Team (new)", at(11))
    story.take(team)
    team.leave("ann", at(12))  # the last admin: someone else becomes admin
    story.take(team)
    story.post(team, "cat", 13, "bye ann")
    book.leave("amy", at(14))
    story.take(book)
    story.post(direct, "ann", 15, "see you")
    direct.post_message("bob", "c-reply", 2**62 + 100, "yes, agreed", at(16), reply_to=3)
    direct.edit_message("ann", 1, "hi bob!", at(17))
    direct.react("bob", 1, "👍", at(18))
    direct.react("ann", 1, "👍", at(18))
    direct.unreact("ann", 1, "👍", at(19))
    direct.delete_message("ann", 3, at(20))  # the reply's original: its quote a tombstone
    story.take(direct)
    return story.events


@dataclass
class Produced:
    settings: Settings
    live_schema: str
    known_events: int
    last_offsets: dict[int, int]


class Delivered:
    """The records as the broker stored them, from the delivery reports."""

    def __init__(self) -> None:
        self.records: list[LogRecord] = []
        self.errors: list[KafkaError] = []

    def report(self, headers: Mapping[str, str]) -> Any:
        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                self.errors.append(error)
                return
            key = message.key() or b""
            self.records.append(
                LogRecord(
                    partition=message.partition() or 0,
                    offset=message.offset() or 0,
                    key=key.decode() if isinstance(key, bytes) else key,
                    value=message.value() or b"",
                    headers=headers,
                )
            )

        return on_delivery


def produce(
    bootstrap: str, topic: str, encoded: list[tuple[str, bytes, Mapping[str, str]]]
) -> Delivered:
    delivered = Delivered()
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    for key, value, headers in encoded:
        producer.produce(
            topic,
            key=key.encode(),
            value=value,
            partition=partition_for(key, PARTITIONS),
            headers=[(name, text.encode()) for name, text in headers.items()],
            on_delivery=delivered.report(headers),
        )
    assert producer.flush(30) == 0
    assert delivered.errors == []
    return delivered


class ListFeed:
    """An EventFeed that hands out the given records once."""

    def __init__(self, records: list[LogRecord]) -> None:
        self._records = records

    def poll(self, timeout: float) -> list[LogRecord]:
        records, self._records = self._records, []
        return records

    def backlog(self) -> int:
        return len(self._records)

    def close(self) -> None:
        return None


class Pushes:
    def __init__(self) -> None:
        self.pushed: list[Push] = []

    def publish(self, push: Push) -> None:
        self.pushed.append(push)

    def publish_all(self, pushes: Sequence[Push]) -> None:
        for push in pushes:
            self.publish(push)


@pytest.fixture
def produced(unique_name: str, kafka_bootstrap: str, postgres_dsn: str) -> Iterator[Produced]:
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        postgres_dsn=postgres_dsn,
        topic_prefix=f"{unique_name}.",
        partitions=PARTITIONS,
        pg_schema=f"{unique_name}_live",
    )
    topic = settings.events_topic
    schemas = [settings.pg_schema, f"{unique_name}_rebuilt"]
    ensure_topics(settings.kafka, {topic: {"retention.ms": "-1"}}, PARTITIONS)
    try:
        codec = EventCodec()
        encoded = [(e.key, e.value, e.headers) for e in map(codec.encode, realistic_story())]
        unknown = {**encoded[0][2], "event_type": "PollOpened"}  # from a newer version
        encoded.insert(5, (encoded[0][0], b"{}", unknown))
        delivered = produce(kafka_bootstrap, topic, encoded)
        records = sorted(delivered.records, key=lambda r: (r.partition, r.offset))
        create_schema(postgres_dsn, settings.pg_schema)
        live = PostgresChatView.from_dsn(postgres_dsn, settings.pg_schema)
        try:
            dead_letters = InMemoryDeadLetters(InMemoryLog({"chat.parked": PARTITIONS}))
            Projector(live, Pushes(), codec, topic, dead_letters).step(ListFeed(records), 0)
        finally:
            live.close()
        last_offsets = {r.partition: r.offset for r in records}
        yield Produced(settings, settings.pg_schema, len(encoded) - 1, last_offsets)
    finally:
        delete_topics(kafka_bootstrap, [topic])
        for schema in schemas:
            drop_schema(postgres_dsn, schema)


def rebuilt_schema(produced: Produced) -> str:
    return f"{produced.live_schema.removesuffix('_live')}_rebuilt"


def change_one_row(dsn: str, statement: sql.Composed, params: tuple[Any, ...]) -> tuple[Any, ...]:
    """Runs an UPDATE or DELETE ... RETURNING that must hit exactly one row."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(statement, params).fetchall()
    assert len(rows) == 1
    return tuple(rows[0])


def message_count(dsn: str, schema: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {}.messages").format(sql.Identifier(schema))
    with psycopg.connect(dsn) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    count: int = row[0]
    return count


def test_a_schema_rebuilt_from_the_log_equals_the_live_one(produced: Produced) -> None:
    dsn = produced.settings.postgres_dsn
    rebuild_view(produced.settings, rebuilt_schema(produced))
    assert message_count(dsn, rebuilt_schema(produced)) == MESSAGES_IN_STORY  # not trivially equal
    assert compare_read_models(dsn, produced.live_schema, rebuilt_schema(produced)) == []


def test_rebuild_applies_every_event_of_a_known_type(produced: Produced) -> None:
    assert rebuild_view(produced.settings, rebuilt_schema(produced)) == produced.known_events


def test_the_rebuilt_schema_tracks_the_last_offset_of_every_partition(
    produced: Produced,
) -> None:
    rebuild_view(produced.settings, rebuilt_schema(produced))
    view = PostgresChatView.from_dsn(produced.settings.postgres_dsn, rebuilt_schema(produced))
    topic = produced.settings.events_topic
    try:
        tracked = {p: view.max_tracking_id(tracking_name(topic, p)) for p in range(PARTITIONS)}
    finally:
        view.close()
    assert tracked == {p: produced.last_offsets.get(p) for p in range(PARTITIONS)}


def test_rebuilding_into_a_schema_that_holds_positions_is_refused(produced: Produced) -> None:
    with pytest.raises(RebuildError):
        rebuild_view(produced.settings, produced.live_schema)


def test_the_rebuilt_search_index_finds_what_the_live_one_finds(produced: Produced) -> None:
    dsn = produced.settings.postgres_dsn
    rebuild_view(produced.settings, rebuilt_schema(produced))

    async def found(schema: str) -> list[list[tuple[str, int, str]]]:
        search = PostgresSearch(dsn, schema)
        await search.open()
        try:
            pages = [await search.search(user, word, None, 50) for user, word in SEARCHES]
        finally:
            await search.close()
        return [
            [(h.message["conversation_id"], h.message["seq"], h.message["body"]) for h in p.hits]
            for p in pages
        ]

    live = asyncio.run(found(produced.live_schema))
    assert live == asyncio.run(found(rebuilt_schema(produced)))
    assert [len(hits) for hits in live] == [1, 0, 1, 0]  # edited, deleted, reply, removed


def test_a_tampered_message_body_in_the_live_schema_is_reported(produced: Produced) -> None:
    dsn, live = produced.settings.postgres_dsn, produced.live_schema
    rebuild_view(produced.settings, rebuilt_schema(produced))
    tampered = sql.SQL(
        "UPDATE {}.messages SET body = %s WHERE body = %s RETURNING conversation_id, seq"
    ).format(sql.Identifier(live))
    row = change_one_row(dsn, tampered, ("bye everyone", "bye ann"))
    where = f"messages (conversation_id={row[0]!r}, seq={row[1]!r})"
    assert compare_read_models(dsn, live, rebuilt_schema(produced)) == [
        f"{where}: body is 'bye everyone' live, 'bye ann' rebuilt",
        f"""{where}: search is "'bye':1 'everyone':2" live, "'ann':2 'bye':1" rebuilt""",
    ]


def test_a_member_missing_from_the_live_schema_is_reported(produced: Produced) -> None:
    dsn, live = produced.settings.postgres_dsn, produced.live_schema
    rebuild_view(produced.settings, rebuilt_schema(produced))
    removed = sql.SQL("DELETE FROM {}.members WHERE user_id = %s RETURNING conversation_id").format(
        sql.Identifier(live)
    )
    row = change_one_row(dsn, removed, ("dan",))
    assert compare_read_models(dsn, live, rebuilt_schema(produced)) == [
        f"members (conversation_id={row[0]!r}, user_id='dan'): only in the rebuilt schema"
    ]
