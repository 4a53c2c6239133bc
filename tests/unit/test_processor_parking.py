"""Commands the processor cannot decode or decide are parked on the
dead-letter topic, with the error, in the transaction that consumes them:
never skipped silently, never blocking the commands after them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from commands.decider import FAILED_CODE
from commands.messages import Command, SendMessage, StartDirect, encode_command
from commands.processor import CommandProcessor
from commands.snapshots import SnapshotSettings, Snapshotter
from domain.codec import EventCodec
from domain.conversation import Conversation, direct_conversation_id
from domain.conversation_events import MessagePosted
from domain.records import COMMANDS_LOG, LogRecord, OutgoingRecord
from domain.rejection import CommandRejected
from domain.snapshot_codec import SnapshotCodec
from infra.memory.log import InMemoryLog, InMemoryProcessorLog, InMemoryPublisher
from infra.memory.snapshots import InMemorySnapshotStore

AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
COMMANDS, EVENTS, PARKED = "chat.commands", "chat.events", "chat.parked"
CODEC = EventCodec()
CHAT = str(direct_conversation_id("ann", "bob"))


class Stack:
    def __init__(self, snapshotting: bool = False) -> None:
        self.log = InMemoryLog({COMMANDS: 1, EVENTS: 1, PARKED: 1})
        self.store = InMemorySnapshotStore(1, "events-1")
        self.snapshotting = snapshotting

    def processor(self) -> CommandProcessor:
        log = InMemoryProcessorLog(self.log, COMMANDS, EVENTS, parked_topic=PARKED)
        snapshots = Snapshotter(self.store, SnapshotCodec(), SnapshotSettings(every_events=1))
        return CommandProcessor(log, CODEC, snapshots=snapshots if self.snapshotting else None)

    def publish(self, *values: bytes) -> None:
        publisher = InMemoryPublisher(self.log, COMMANDS)
        for value in values:
            asyncio.run(publisher.publish(OutgoingRecord(CHAT, value)))

    def run(self) -> None:
        processor = self.processor()
        while processor.step(0.01):
            pass
        for _ in range(5):  # snapshot rounds go on between batches
            processor.step(0.0)

    def parked(self) -> list[LogRecord]:
        return self.log.records(PARKED, 0)

    def events(self) -> list[object]:
        return [CODEC.decode(r.value, r.headers) for r in self.log.records(EVENTS, 0)]

    def seqs(self) -> list[int]:
        return [e.seq for e in self.events() if isinstance(e, MessagePosted)]


def command(value: Command) -> bytes:
    return encode_command(value)


def send(number: int) -> bytes:
    return command(SendMessage(CHAT, "ann", f"m{number}", number, f"hi {number}", AT))


START = command(StartDirect(CHAT, "ann", "bob", AT))


@pytest.fixture
def failing_second_post(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The second message posted fails after its event was triggered: the
    conversation is left half changed, as a bug would leave it."""
    post = Conversation.post_message
    calls = {"count": 0}

    def flaky(self: Conversation, *args: Any, **kwargs: Any) -> Any:
        calls["count"] += 1
        posted = post(self, *args, **kwargs)
        if calls["count"] == 2:
            raise RuntimeError("a bug")
        return posted

    monkeypatch.setattr(Conversation, "post_message", flaky)
    yield


def test_an_undecodable_command_is_parked_with_its_error_and_origin() -> None:
    stack = Stack()
    stack.publish(START, b"{not json")
    stack.run()
    (parked,) = stack.parked()
    assert (parked.value, parked.headers["parked_log"], parked.headers["parked_offset"]) == (
        b"{not json",
        COMMANDS_LOG,
        "1",
    )


def test_the_parked_record_says_why_it_was_parked() -> None:
    stack = Stack()
    stack.publish(START, command(StartDirect(CHAT, "ann", "bob", AT))[:-1])
    stack.run()
    assert stack.parked()[0].headers["parked_error"].startswith("cannot decode")


def test_commands_after_a_parked_one_are_decided() -> None:
    stack = Stack()
    stack.publish(START, send(1), b"\x00garbage", send(2))
    stack.run()
    assert (stack.seqs(), len(stack.parked())) == ([1, 2], 1)


def test_a_parked_command_is_parked_once_even_when_the_next_processor_reads_the_log_again() -> None:
    stack = Stack()
    stack.publish(START, b"{}", send(1))
    stack.run()
    stack.publish(send(2))
    stack.run()
    assert (len(stack.parked()), stack.seqs()) == (1, [1, 2])


@pytest.mark.usefixtures("failing_second_post")
def test_a_command_whose_decision_fails_is_parked_and_its_sender_told() -> None:
    stack = Stack()
    stack.publish(START, send(1), send(2))
    stack.run()
    rejections = [e for e in stack.events() if isinstance(e, CommandRejected)]
    assert ([r.code for r in rejections], len(stack.parked())) == ([FAILED_CODE], 1)


@pytest.mark.usefixtures("failing_second_post")
def test_after_a_failed_decision_the_conversation_goes_on_without_a_gap() -> None:
    stack = Stack()
    stack.publish(START, send(1), send(2), send(3), send(4))
    stack.run()
    assert stack.seqs() == [1, 2, 3]


@pytest.mark.usefixtures("failing_second_post")
def test_a_half_changed_conversation_is_never_snapshotted() -> None:
    stack = Stack(snapshotting=True)
    stack.publish(START, send(1), send(2), send(3))
    stack.run()
    stack.publish(send(4))
    stack.run()  # a new processor, restored from the snapshots
    versions = [int(r.headers["aggregate_version"]) for r in stack.log.records(EVENTS, 0)]
    assert (stack.seqs(), versions) == ([1, 2, 3], [1, 2, 2, 3, 4])
