"""The log adapters under contract: one harness per adapter family.

A harness makes publishers' records, processor logs and event feeds on a
fresh log (for Kafka: fresh topics and groups, deleted afterwards), and a
"zombie": an earlier owner of a partition that wrote events it never
committed.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from app.settings import Settings
from commands.ports import LogUnavailable, PartitionCommit, ProcessorLog
from domain.records import LogRecord, OutgoingRecord
from infra.kafka.event_feed import KafkaEventFeed
from infra.kafka.partition_reader import read_committed_partitions
from infra.kafka.processor_log import KafkaProcessorLog
from infra.kafka.publisher import KafkaPublisher
from infra.kafka.records import encode_headers
from infra.kafka.topics import chat_topics, ensure_topics
from infra.memory.log import (
    InMemoryEventFeed,
    InMemoryLog,
    InMemoryProcessorLog,
    InMemoryPublisher,
)
from projections.ports import EventFeed
from tests.support.kafka import delete_topics, wait_for_broker

PARTITIONS = 3
DEADLINE = 30.0
StartOffset = Callable[[int], int]


class Zombie(Protocol):
    def try_commit(self) -> bool:
        """Tries to commit what it wrote; True if the log accepted it."""
        ...


class LogHarness(Protocol):
    partitions: int

    def publish(self, records: Sequence[OutgoingRecord], topic: str | None = None) -> None:
        """Publishes one by one, each acknowledged before the next."""
        ...

    def processor_log(self) -> ProcessorLog: ...

    def event_feed(self, start_offset: StartOffset) -> EventFeed: ...

    def zombie(self, partition: int, events: Sequence[OutgoingRecord]) -> Zombie: ...

    def parked(self, partition: int) -> list[LogRecord]:
        """What the dead-letter topic holds (committed) in ``partition``."""
        ...

    def close(self) -> None: ...


# -- waiting with deadlines --------------------------------------------------


def poll_until(
    source: ProcessorLog | EventFeed,
    done: Callable[[list[LogRecord]], bool],
    timeout: float = DEADLINE,
) -> list[LogRecord]:
    """Polls until ``done(records so far)`` or the deadline; returns them all."""
    records: list[LogRecord] = []
    deadline = time.monotonic() + timeout
    while not done(records) and time.monotonic() < deadline:
        records.extend(source.poll(0.1))
    return records


def wait_for_all_partitions(log: ProcessorLog, partitions: int) -> list[LogRecord]:
    """Polls until every partition is assigned; returns what was polled."""
    assigned: set[int] = set()
    records: list[LogRecord] = []
    deadline = time.monotonic() + DEADLINE
    while len(assigned) < partitions and time.monotonic() < deadline:
        records.extend(log.poll(0.1))
        change = log.assignment_changes()
        assigned = (assigned - set(change.revoked)) | set(change.assigned)
    assert len(assigned) == partitions, f"only {sorted(assigned)} assigned"
    return records


# -- in memory ---------------------------------------------------------------


class _MemoryZombie:
    def __init__(self, log: InMemoryProcessorLog, partition: int, events: Sequence[OutgoingRecord]):
        self._log = log
        self._partition = partition
        self._events = list(events)

    def try_commit(self) -> bool:
        try:
            self._log.commit({self._partition: PartitionCommit(self._events, 0)})
        except LogUnavailable:
            return False
        return True


class MemoryHarness:
    partitions = PARTITIONS

    def __init__(self) -> None:
        self.settings = Settings(partitions=PARTITIONS)
        self.log = InMemoryLog(
            {
                self.settings.commands_topic: PARTITIONS,
                self.settings.events_topic: PARTITIONS,
                self.settings.parked_topic: PARTITIONS,
            }
        )

    def publish(self, records: Sequence[OutgoingRecord], topic: str | None = None) -> None:
        publisher = InMemoryPublisher(self.log, topic or self.settings.commands_topic)

        async def publish_all() -> None:
            for record in records:
                await publisher.publish(record)

        asyncio.run(publish_all())

    def processor_log(self) -> ProcessorLog:
        return InMemoryProcessorLog(
            self.log,
            self.settings.commands_topic,
            self.settings.events_topic,
            parked_topic=self.settings.parked_topic,
        )

    def parked(self, partition: int) -> list[LogRecord]:
        return self.log.records(self.settings.parked_topic, partition)

    def event_feed(self, start_offset: StartOffset) -> EventFeed:
        return InMemoryEventFeed(self.log, self.settings.events_topic, start_offset)

    def zombie(self, partition: int, events: Sequence[OutgoingRecord]) -> Zombie:
        owner = InMemoryProcessorLog(
            self.log, self.settings.commands_topic, self.settings.events_topic
        )
        wait_for_all_partitions(owner, PARTITIONS)
        return _MemoryZombie(owner, partition, events)

    def close(self) -> None:
        pass


# -- Kafka -------------------------------------------------------------------


class _KafkaZombie:
    """An earlier member of the processor group that crashed, or was paused
    past its session, in the middle of a commit: it wrote events for the
    partition in a transaction it never ended, and holds the group metadata
    of a generation that has passed (it left; the group moved on)."""

    def __init__(self, settings: Settings, partition: int, events: Sequence[OutgoingRecord]):
        self._tp = TopicPartition(settings.commands_topic, partition, 0)
        consumer = Consumer(
            settings.kafka.client(
                {
                    "group.id": settings.group("processor"),
                    "isolation.level": "read_committed",
                    "partition.assignment.strategy": "cooperative-sticky",
                }
            )
        )
        consumer.subscribe([settings.commands_topic])
        deadline = time.monotonic() + DEADLINE
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(0.1)
        assert consumer.assignment(), "the zombie never joined the group"
        self._metadata = consumer.consumer_group_metadata()
        consumer.close()
        self._producer = Producer(
            settings.kafka.client(
                {"transactional.id": f"zombie-{uuid.uuid4().hex}", "transaction.timeout.ms": 3000}
            )
        )
        self._producer.init_transactions(DEADLINE)
        self._producer.begin_transaction()
        for event in events:
            self._producer.produce(
                settings.events_topic,
                value=event.value,
                key=event.key.encode(),
                partition=partition,
                headers=encode_headers(event.headers),
            )
        assert self._producer.flush(DEADLINE) == 0, "zombie events not written"

    def try_commit(self) -> bool:
        try:
            self._producer.send_offsets_to_transaction([self._tp], self._metadata, DEADLINE)
            self._producer.commit_transaction(DEADLINE)
        except KafkaException:
            return False
        return True


class KafkaHarness:
    partitions = PARTITIONS

    def __init__(self) -> None:
        bootstrap = os.environ.get("CHAT_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
        unique = uuid.uuid4().hex[:10]
        self.settings = Settings(
            kafka_bootstrap=bootstrap,
            topic_prefix=f"t{unique}.",
            consumer_group_prefix=f"g{unique}",
            partitions=PARTITIONS,
        )
        self._topics = chat_topics(
            self.settings.commands_topic,
            self.settings.events_topic,
            self.settings.presence_topic,
            parked=self.settings.parked_topic,
        )
        self._closers: list[Callable[[], None]] = []
        self._feeds = 0
        wait_for_broker(bootstrap, DEADLINE)
        ensure_topics(self.settings.kafka, self._topics, PARTITIONS)

    def publish(self, records: Sequence[OutgoingRecord], topic: str | None = None) -> None:
        publisher = KafkaPublisher(
            self.settings.kafka, topic or self.settings.commands_topic, PARTITIONS
        )
        publisher.start()

        async def publish_all() -> None:
            for record in records:
                await publisher.publish(record)

        try:
            asyncio.run(publish_all())
        finally:
            publisher.close()

    def processor_log(self) -> ProcessorLog:
        log = self._processor_log()
        self._closers.append(log.close)
        return log

    def _processor_log(self) -> KafkaProcessorLog:
        group = self.settings.group("processor")
        return KafkaProcessorLog(
            self.settings.kafka,
            self.settings.commands_topic,
            self.settings.events_topic,
            group,
            group,
            parked_topic=self.settings.parked_topic,
        )

    def parked(self, partition: int) -> list[LogRecord]:
        topic = self.settings.parked_topic
        return list(read_committed_partitions(self.settings.kafka, topic, [partition]))

    def event_feed(self, start_offset: StartOffset) -> EventFeed:
        self._feeds += 1
        group = f"{self.settings.consumer_group_prefix}-projector-{self._feeds}"
        feed = KafkaEventFeed(self.settings.kafka, self.settings.events_topic, group, start_offset)
        self._closers.append(feed.close)
        return feed

    def zombie(self, partition: int, events: Sequence[OutgoingRecord]) -> Zombie:
        return _KafkaZombie(self.settings, partition, events)

    def close(self) -> None:
        try:
            for close in reversed(self._closers):
                close()
        finally:
            delete_topics(self.settings.kafka_bootstrap, self._topics)


def make_harness(kind: str) -> Iterator[LogHarness]:
    harness: LogHarness = MemoryHarness() if kind == "memory" else KafkaHarness()
    try:
        yield harness
    finally:
        harness.close()
