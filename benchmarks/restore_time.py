"""How long a processor takes to rebuild its partitions, without and with
snapshots: N direct conversations of M messages each (default 10,000 x 100,
1M events), decided by the real aggregate and encoded by the real codec,
produced straight to a scratch ``chat.events`` topic. Snapshots of every
conversation are stored in PostgreSQL before the last round of messages,
so the tail after their mark is one message per conversation (N events,
the default round size). Then both restores are timed, each reading every
partition as a processor that takes them all over. Everything it made is
deleted at the end.

    .venv/bin/python -m benchmarks.restore_time [--conversations 10000] [--messages 100]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from confluent_kafka import KafkaError, Message, Producer
from eventsourcing.domain import DomainEvent

from app.settings import Settings
from commands.decider import DeciderSettings
from commands.restore import Restorer, RestoreReport
from commands.snapshots import Snapshotter, StoredSnapshot
from domain.codec import EventCodec
from domain.conversation import Conversation
from domain.snapshot_codec import SnapshotCodec
from infra.kafka.processor_log import KafkaProcessorLog
from infra.kafka.topics import chat_topics, ensure_topics, topic_id
from infra.partitioning import partition_for
from infra.postgres.schema import create_schema
from infra.postgres.snapshots import PostgresSnapshotStore
from tests.support.kafka import delete_topics
from tests.support.postgres import drop_schema

START = datetime(2026, 1, 1, tzinfo=UTC)
CODEC = EventCodec()


class EventProducer:
    """Produces encoded events to their partitions; knows each one's end."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.ends: dict[int, int] = {}
        self._producer = Producer(
            {
                "bootstrap.servers": settings.kafka_bootstrap,
                "linger.ms": 50,
                "batch.size": 1_000_000,
                "compression.type": "lz4",
                "enable.idempotence": True,
            }
        )

    def produce(self, conversation: Conversation) -> None:
        for event in conversation.collect_events():
            record = CODEC.encode(cast(DomainEvent, event))
            while True:
                try:
                    self._producer.produce(
                        self._settings.events_topic,
                        value=record.value,
                        key=record.key.encode(),
                        partition=partition_for(record.key, self._settings.partitions),
                        headers=list(record.headers.items()),
                        on_delivery=self._delivered,
                    )
                    break
                except BufferError:
                    self._producer.poll(0.1)
            self._producer.poll(0)

    def flush(self) -> None:
        if self._producer.flush(300) != 0:
            raise SystemExit("the broker did not take every event within 300 s")

    def _delivered(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            raise SystemExit(f"an event was not delivered: {error}")
        partition, offset = message.partition(), message.offset()
        assert partition is not None and offset is not None
        self.ends[partition] = max(self.ends.get(partition, 0), offset + 1)


def generate(settings: Settings, store: PostgresSnapshotStore, count: int, messages: int) -> int:
    """Produces the log, snapshotting every conversation before the last
    round; returns the events produced."""
    producer = EventProducer(settings)
    at = START
    chats = [Conversation.start_direct(f"a{n:05d}", f"b{n:05d}", at) for n in range(count)]
    for chat in chats:
        producer.produce(chat)
    for round_number in range(1, messages + 1):
        if round_number == messages:
            producer.flush()
            snapshot(store, settings.partitions, chats, producer.ends)
        at += timedelta(seconds=1)
        for n, chat in enumerate(chats):
            chat.post_message(f"a{n:05d}", f"c{round_number}", round_number, "hello", at)
            producer.produce(chat)
    producer.flush()
    return sum(producer.ends.values())


def snapshot(
    store: PostgresSnapshotStore,
    partitions: int,
    chats: Sequence[Conversation],
    ends: dict[int, int],
) -> None:
    codec = SnapshotCodec()
    by_partition: dict[int, list[StoredSnapshot]] = {p: [] for p in range(partitions)}
    for chat in chats:
        state = codec.encode(chat)
        partition = partition_for(str(chat.id), partitions)
        by_partition[partition].append(StoredSnapshot(chat.id, chat.version, state))
    for partition, stored in by_partition.items():
        for start in range(0, len(stored), 1000):
            store.save(partition, stored[start : start + 1000])
        store.mark(partition, ends.get(partition, 0))


def restore(settings: Settings, snapshots: Snapshotter | None) -> RestoreReport:
    group = settings.group(f"restore-{uuid.uuid4().hex[:6]}")
    log = KafkaProcessorLog(
        settings.kafka, settings.commands_topic, settings.events_topic, group, group
    )
    try:
        restorer = Restorer(log, CODEC, DeciderSettings(), snapshots)
        restorer.restore(range(settings.partitions))
        assert restorer.last is not None
        return restorer.last
    finally:
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
    unique = uuid.uuid4().hex[:8]
    settings = Settings(
        kafka_bootstrap=os.environ.get("CHAT_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        topic_prefix=f"restore{unique}.",
        consumer_group_prefix=f"restore{unique}",
        postgres_dsn=os.environ.get(
            "CHAT_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
        ),
    )
    dsn, schema = settings.postgres_dsn, f"restore{unique}"
    topics = chat_topics(settings.commands_topic, settings.events_topic, settings.presence_topic)
    ensure_topics(settings.kafka, topics, settings.partitions)
    create_schema(dsn, schema)
    store = PostgresSnapshotStore.from_dsn(
        dsn, schema, settings.partitions, topic_id(settings.kafka, settings.events_topic)
    )
    try:
        started = time.monotonic()
        events = generate(settings, store, args.conversations, args.messages)
        generated = time.monotonic() - started
        before = restore(settings, None)
        after = restore(settings, Snapshotter(store, SnapshotCodec()))
    finally:
        store.close()
        drop_schema(dsn, schema)
        delete_topics(settings.kafka_bootstrap, topics)
    print(json.dumps(result(args, events, generated, before, after), indent=2))


def result(
    args: argparse.Namespace,
    events: int,
    generated: float,
    before: RestoreReport,
    after: RestoreReport,
) -> dict[str, object]:
    def figures(report: RestoreReport) -> dict[str, object]:
        return {
            "seconds": round(report.seconds, 2),
            "snapshots": report.snapshots,
            "events_read": report.events_read,
            "events_applied": report.events_applied,
            "conversations": report.conversations,
        }

    return {
        "conversations": args.conversations,
        "messages_each": args.messages,
        "log_offsets": events,
        "generate_seconds": round(generated, 1),
        "without_snapshots": figures(before),
        "with_snapshots": figures(after),
    }


if __name__ == "__main__":
    main()
