"""The processor with snapshots, on the in-memory log and store: a
processor that takes partitions over reads the snapshots and only the
events after their mark, and decides exactly as one that read it all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from commands.messages import (
    AnyCommand,
    GrantAuditor,
    RevokeAuditor,
    SendMessage,
    StartDirect,
    encode_command,
)
from commands.processor import CommandProcessor
from commands.restore import RestoreReport
from commands.snapshots import SnapshotSettings, Snapshotter
from domain.auditor import auditor_stream_id
from domain.codec import EventCodec
from domain.conversation import direct_conversation_id
from domain.records import OutgoingRecord
from domain.snapshot_codec import SnapshotCodec
from infra.memory.log import InMemoryLog, InMemoryProcessorLog, InMemoryPublisher
from infra.memory.snapshots import InMemorySnapshotStore
from infra.partitioning import partition_for

AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
COMMANDS, EVENTS = "chat.commands", "chat.events"
PARTITIONS = 1
CODEC = EventCodec()
ANN_BOB = str(direct_conversation_id("ann", "bob"))
ANN_CAT = str(direct_conversation_id("ann", "cat"))


class Stack:
    def __init__(self, every_events: int = 50) -> None:
        self.log = InMemoryLog({COMMANDS: PARTITIONS, EVENTS: PARTITIONS})
        self.store = InMemorySnapshotStore(PARTITIONS, "events-1")
        self.settings = SnapshotSettings(every_events=every_events, per_step=7)
        self.sent = 0

    def processor(self) -> CommandProcessor:
        snapshots = Snapshotter(self.store, SnapshotCodec(), self.settings)
        return CommandProcessor(
            InMemoryProcessorLog(self.log, COMMANDS, EVENTS), CODEC, snapshots=snapshots
        )

    def publish(self, chat: str, *commands: AnyCommand) -> None:
        publisher = InMemoryPublisher(self.log, COMMANDS)
        for command in commands:
            asyncio.run(publisher.publish(OutgoingRecord(chat, encode_command(command))))

    def start(self, chat: str, peer: str) -> None:
        self.publish(chat, StartDirect(chat, "ann", peer, AT))

    def send(self, chat: str, count: int) -> None:
        for _ in range(count):
            self.sent += 1
            self.publish(chat, SendMessage(chat, "ann", f"m{self.sent}", self.sent, "hi", AT))

    def events(self) -> int:
        return len(self.log.records(EVENTS, 0))

    def last_seq(self) -> int:
        record = self.log.records(EVENTS, partition_for(ANN_BOB, PARTITIONS))[-1]
        return int(getattr(CODEC.decode(record.value, record.headers), "seq", -1))


def run_until_idle(processor: CommandProcessor) -> None:
    while processor.step(0.01):
        pass
    for _ in range(20):  # the snapshot rounds go on between batches
        processor.step(0.0)


def restored(stack: Stack) -> tuple[CommandProcessor, RestoreReport]:
    processor = stack.processor()
    processor.step(0.01)
    report = processor.restorer.last
    assert report is not None
    return processor, report


def test_a_processor_taking_over_reads_only_the_events_after_the_snapshots() -> None:
    stack = Stack(every_events=50)
    stack.start(ANN_BOB, "bob")
    stack.send(ANN_BOB, 300)
    run_until_idle(stack.processor())
    _, report = restored(stack)
    assert report.snapshots == 1 and report.events_read < 50 < stack.events()


def test_without_snapshots_a_processor_taking_over_reads_every_event() -> None:
    stack = Stack(every_events=50)
    stack.start(ANN_BOB, "bob")
    stack.send(ANN_BOB, 60)
    run_until_idle(stack.processor())
    processor = CommandProcessor(InMemoryProcessorLog(stack.log, COMMANDS, EVENTS), CODEC)
    processor.step(0.01)
    assert processor.restorer.last is not None
    assert processor.restorer.last.events_read == stack.events()


def test_a_restored_processor_continues_the_sequence_and_still_knows_old_resends() -> None:
    stack = Stack(every_events=50)
    stack.start(ANN_BOB, "bob")
    stack.send(ANN_BOB, 120)
    run_until_idle(stack.processor())
    before = stack.events()
    stack.publish(ANN_BOB, SendMessage(ANN_BOB, "ann", "m100", 100, "hi", AT))  # a resend
    stack.send(ANN_BOB, 1)
    run_until_idle(stack.processor())
    assert (stack.events() - before, stack.last_seq()) == (1, 121)


def test_a_conversation_that_changed_only_in_the_replayed_tail_is_kept_by_the_next_round() -> None:
    stack = Stack(every_events=50)
    stack.start(ANN_BOB, "bob")
    stack.start(ANN_CAT, "cat")
    stack.send(ANN_BOB, 60)  # a round: bob's chat snapshotted
    run_until_idle(stack.processor())
    stack.send(ANN_BOB, 10)  # a tail of bob's chat, no round
    run_until_idle(stack.processor())
    stack.send(ANN_CAT, 60)  # only cat's chat changes: a round and a later mark
    run_until_idle(stack.processor())
    stack.send(ANN_BOB, 1)
    run_until_idle(stack.processor())
    assert stack.last_seq() == 71


def test_an_auditor_granted_before_the_snapshots_is_still_one_after_a_takeover() -> None:
    stack = Stack(every_events=1)
    stream = str(auditor_stream_id("eve"))
    stack.publish(stream, GrantAuditor(stream, "eve", "operator:root", AT))
    stack.start(ANN_BOB, "bob")
    stack.send(ANN_BOB, 5)
    run_until_idle(stack.processor())
    _, report = restored(stack)
    stack.publish(stream, RevokeAuditor(stream, "eve", "operator:root", AT))
    run_until_idle(stack.processor())
    partition = partition_for(stream, PARTITIONS)
    types = [r.headers["event_type"] for r in stack.log.records(EVENTS, partition)]
    assert (report.events_read < stack.events() - 1, types.count("AuditorRevoked")) == (True, 1)
