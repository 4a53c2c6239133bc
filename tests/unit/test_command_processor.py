"""The command processor on the in-memory log: commands in, events out on
the same partition, exactly once per command offset."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from commands.liveness import Liveness
from commands.messages import SendMessage, StartDirect, encode_command
from commands.ports import LogUnavailable
from commands.processor import CommandProcessor
from domain.codec import EventCodec
from domain.conversation import direct_conversation_id
from domain.records import OutgoingRecord
from infra.memory.log import InMemoryLog, InMemoryProcessorLog, InMemoryPublisher
from infra.partitioning import partition_for

AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
COMMANDS, EVENTS = "chat.commands", "chat.events"
PARTITIONS = 4
CHAT = str(direct_conversation_id("ann", "bob"))
CODEC = EventCodec()


def new_log() -> InMemoryLog:
    return InMemoryLog({COMMANDS: PARTITIONS, EVENTS: PARTITIONS})


def publish(log: InMemoryLog, *commands: StartDirect | SendMessage | bytes) -> None:
    publisher = InMemoryPublisher(log, COMMANDS)
    for command in commands:
        value = command if isinstance(command, bytes) else encode_command(command)
        asyncio.run(publisher.publish(OutgoingRecord(CHAT, value)))


def send(client_msg_id: str, message_id: int) -> SendMessage:
    return SendMessage(CHAT, "ann", client_msg_id, message_id, "hi", AT)


def run_until_idle(processor: CommandProcessor) -> None:
    while processor.step(0.01):
        pass


def event_types(log: InMemoryLog) -> list[str]:
    records = log.records(EVENTS, partition_for(CHAT, PARTITIONS))
    return [record.headers["event_type"] for record in records]


def processor_on(log: InMemoryLog) -> CommandProcessor:
    return CommandProcessor(InMemoryProcessorLog(log, COMMANDS, EVENTS), CODEC)


def test_commands_become_their_events_on_the_conversations_partition() -> None:
    log = new_log()
    publish(log, StartDirect(CHAT, "ann", "bob", AT), send("c1", 1))
    run_until_idle(processor_on(log))
    assert event_types(log) == ["ConversationStarted", "MessagePosted"]


def test_a_command_that_breaks_a_rule_becomes_a_rejection() -> None:
    log = new_log()
    publish(log, send("c1", 1))  # no conversation yet
    run_until_idle(processor_on(log))
    assert event_types(log) == ["CommandRejected"]


def test_a_restarted_processor_resumes_after_the_committed_commands() -> None:
    log = new_log()
    publish(log, StartDirect(CHAT, "ann", "bob", AT), send("c1", 1))
    run_until_idle(processor_on(log))
    publish(log, send("c2", 2), send("c1", 1))  # a new message, and a resend
    run_until_idle(processor_on(log))
    assert event_types(log) == ["ConversationStarted", "MessagePosted", "MessagePosted"]
    last = CODEC.decode(*_value_and_headers(log, -1))
    assert getattr(last, "seq", None) == 2


def _value_and_headers(log: InMemoryLog, index: int) -> tuple[bytes, dict[str, str]]:
    record = log.records(EVENTS, partition_for(CHAT, PARTITIONS))[index]
    return record.value, dict(record.headers)


class RefusingLog(InMemoryLog):
    """A log on which no transaction ever commits (a broker that refuses)."""

    def commit(self, group: str, member: object, **commit: Any) -> dict[int, int]:
        raise LogUnavailable("refused")


def test_a_processor_whose_commits_keep_failing_is_reported_stalled() -> None:
    log = RefusingLog({COMMANDS: PARTITIONS, EVENTS: PARTITIONS})
    publish(log, StartDirect(CHAT, "ann", "bob", AT))
    clock = [0.0]
    liveness = Liveness("processor", stall_limit=60, clock=lambda: clock[0])
    processor = CommandProcessor(
        InMemoryProcessorLog(log, COMMANDS, EVENTS), CODEC, liveness=liveness
    )
    processor.step(0.01)
    clock[0] = 61
    processor.step(0.01)
    assert liveness.stalled() is not None
