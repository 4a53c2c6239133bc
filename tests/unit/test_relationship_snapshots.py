"""Relationships in the processor's snapshots: a processor that takes a
partition over from snapshots (and only the events after their mark) still
knows the pair's block and pending request, as one that read it all."""

from __future__ import annotations

import asyncio

from commands.messages import SendMessage, encode_command
from commands.relationship_commands import (
    AcceptFriend,
    BlockUser,
    RelationshipCommand,
    RequestFriend,
)
from domain import relationship_events as events
from domain.records import OutgoingRecord
from domain.rejection import CommandRejected
from domain.relationship import Relationship, RelationshipState
from domain.snapshot_codec import SnapshotCodec
from infra.memory.log import InMemoryPublisher
from tests.unit.test_processor_snapshots import (
    ANN_BOB,
    ANN_CAT,
    AT,
    CODEC,
    COMMANDS,
    EVENTS,
    Stack,
    restored,
    run_until_idle,
)


def publish(stack: Stack, command: RelationshipCommand) -> None:
    publisher = InMemoryPublisher(stack.log, COMMANDS)
    record = OutgoingRecord(command.conversation_id, encode_command(command))
    asyncio.run(publisher.publish(record))


def last_event(stack: Stack) -> object:
    record = stack.log.records(EVENTS, 0)[-1]
    return CODEC.decode(record.value, record.headers)


def snapshotted_after(stack: Stack, command: RelationshipCommand) -> None:
    """The command, then enough traffic elsewhere for a snapshot round."""
    stack.start(ANN_BOB, "bob")
    stack.start(ANN_CAT, "cat")
    publish(stack, command)
    stack.send(ANN_CAT, 60)
    run_until_idle(stack.processor())


def test_a_block_before_the_snapshots_still_refuses_sends_after_a_takeover() -> None:
    stack = Stack(every_events=50)
    snapshotted_after(stack, BlockUser("bob", "ann", AT))
    processor, report = restored(stack)
    assert report.snapshots == 3 and report.events_read < 50
    stack.publish(ANN_BOB, SendMessage(ANN_BOB, "ann", "after", 999, "hi", AT))
    run_until_idle(processor)
    rejected = last_event(stack)
    assert isinstance(rejected, CommandRejected) and rejected.code == "forbidden"


def test_a_request_before_the_snapshots_is_accepted_once_after_a_takeover() -> None:
    stack = Stack(every_events=50)
    snapshotted_after(stack, RequestFriend("ann", "bob", AT))
    processor, _ = restored(stack)
    publish(stack, AcceptFriend("bob", "ann", AT))
    run_until_idle(processor)
    assert isinstance(last_event(stack), events.FriendRequestAccepted)
    publish(stack, AcceptFriend("bob", "ann", AT))
    run_until_idle(processor)
    again = last_event(stack)
    assert isinstance(again, CommandRejected) and again.code == "not_found"


def test_a_relationship_snapshot_comes_back_as_it_was() -> None:
    codec = SnapshotCodec()
    pair = Relationship("ann", "bob", RelationshipState(False, None, frozenset({"bob", "ann"})), 7)
    back = codec.decode(pair.id, pair.version, codec.encode(pair))
    assert isinstance(back, Relationship)
    assert (back.id, back.users, back.version, back.state) == (
        pair.id,
        pair.users,
        7,
        pair.state,
    )
