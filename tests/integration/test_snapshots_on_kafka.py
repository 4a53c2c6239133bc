"""Snapshots on the real engines: a processor on Kafka stores its
conversations in PostgreSQL, and the one that takes its partitions over
replays only the events after the snapshots' mark."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from commands.messages import SendMessage, StartDirect, encode_command
from commands.ports import ProcessorLog
from commands.processor import CommandProcessor
from commands.restore import RestoreReport
from commands.snapshots import SnapshotSettings, Snapshotter
from domain.codec import EventCodec
from domain.conversation import direct_conversation_id
from domain.conversation_events import MessagePosted
from domain.records import OutgoingRecord
from domain.snapshot_codec import SnapshotCodec
from infra.partitioning import partition_for
from infra.postgres.schema import create_schema
from infra.postgres.snapshots import PostgresSnapshotStore
from projections.ports import EventFeed
from tests.contract.log_fixtures import PARTITIONS, KafkaHarness
from tests.support.postgres import drop_schema

AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
CHAT = str(direct_conversation_id("ann", "bob"))
PARTITION = partition_for(CHAT, PARTITIONS)
CODEC = EventCodec()
DEADLINE = 60.0


class Engines:
    def __init__(self, harness: KafkaHarness, dsn: str, schema: str) -> None:
        self.harness, self.dsn, self.schema = harness, dsn, schema
        self.store = PostgresSnapshotStore.from_dsn(dsn, schema, PARTITIONS, "events-1")
        self.feed: EventFeed = harness.event_feed(lambda partition: 0)
        self.seqs: list[int] = []
        self.logs: list[ProcessorLog] = []
        self.sent = 0

    def processor(self) -> CommandProcessor:
        snapshots = Snapshotter(
            self.store, SnapshotCodec(), SnapshotSettings(every_events=50, per_step=10)
        )
        log = self.harness.processor_log()
        self.logs.append(log)
        return CommandProcessor(log, CODEC, snapshots=snapshots)

    def leave(self) -> None:
        """The processors so far leave the group (their partitions move)."""
        for log in self.logs:
            log.close()

    def start(self) -> None:
        command = StartDirect(CHAT, "ann", "bob", AT)
        self.harness.publish([OutgoingRecord(CHAT, encode_command(command))])

    def send(self, count: int) -> None:
        records = []
        for _ in range(count):
            self.sent += 1
            command = SendMessage(CHAT, "ann", f"m{self.sent}", self.sent, "hi", AT)
            records.append(OutgoingRecord(CHAT, encode_command(command)))
        self.harness.publish(records)

    def posted(self) -> int:
        """Messages posted so far, as a projector reads them."""
        for record in self.feed.poll(0.05):
            event = CODEC.decode(record.value, record.headers)
            if isinstance(event, MessagePosted):
                self.seqs.append(event.seq)
        return len(self.seqs)

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def engines(postgres_dsn: str, unique_name: str) -> Iterator[Engines]:
    harness = KafkaHarness()
    create_schema(postgres_dsn, unique_name)
    made = Engines(harness, postgres_dsn, unique_name)
    try:
        yield made
    finally:
        made.close()
        harness.close()
        drop_schema(postgres_dsn, unique_name)


def step_until(processor: CommandProcessor, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not done():
        assert time.monotonic() < deadline, "the processor did not get there in time"
        processor.step(0.1)


def takeover(engines: Engines) -> tuple[CommandProcessor, RestoreReport]:
    processor = engines.processor()
    step_until(
        processor,
        lambda: (
            processor.restorer.last is not None and PARTITION in processor.restorer.last.partitions
        ),
    )
    report = processor.restorer.last
    assert report is not None
    return processor, report


def marked(engines: Engines) -> bool:
    return engines.store.load(PARTITION).mark is not None


def test_a_processor_taking_a_partition_over_replays_only_the_tail_after_the_snapshots(
    engines: Engines,
) -> None:
    first = engines.processor()
    engines.start()
    engines.send(100)
    step_until(first, lambda: engines.posted() == 100 and marked(engines))
    engines.send(10)
    step_until(first, lambda: engines.posted() == 110)
    before = 111  # events: the start of the conversation and its messages
    engines.leave()
    _, report = takeover(engines)
    assert (report.snapshots, report.events_read <= before - 50) == (1, True)


def test_a_processor_restored_from_snapshots_continues_the_sequence(engines: Engines) -> None:
    first = engines.processor()
    engines.start()
    engines.send(100)
    step_until(first, lambda: engines.posted() == 100 and marked(engines))
    engines.send(10)
    step_until(first, lambda: engines.posted() == 110)
    engines.leave()
    second, _ = takeover(engines)
    engines.send(1)
    step_until(second, lambda: engines.posted() == 111)
    assert engines.seqs == list(range(1, 112))


def test_the_snapshot_mark_covers_events_of_the_partition_only(engines: Engines) -> None:
    first = engines.processor()
    engines.start()
    engines.send(60)
    step_until(first, lambda: engines.posted() == 60 and marked(engines))
    mark = engines.store.load(PARTITION).mark
    others = [engines.store.load(p).mark for p in range(PARTITIONS) if p != PARTITION]
    assert (mark is not None and 50 <= mark <= 61, others) == (True, [None] * (PARTITIONS - 1))


def test_snapshots_hold_the_conversation_at_the_version_they_name(engines: Engines) -> None:
    first = engines.processor()
    engines.start()
    engines.send(60)
    step_until(first, lambda: engines.posted() == 60 and marked(engines))
    (stored,) = engines.store.load(PARTITION).snapshots
    conversation = SnapshotCodec().decode(stored.conversation_id, stored.version, stored.state)
    assert (conversation.id, conversation.version) == (uuid.UUID(CHAT), stored.version)
