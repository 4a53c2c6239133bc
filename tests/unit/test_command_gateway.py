"""The command gateway on in-memory adapters: what reaches the log, and
what is refused before it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from eventsourcing.persistence import Tracking

from commands.accounts import User
from commands.gateway import CommandGateway, GatewayLimits
from commands.limits import Bucket, RateLimited
from commands.messages import AddMembers, SendMessage, decode_command
from domain.conversation import Conversation
from domain.errors import InvalidCommand, MessageTooLarge, NotAllowed, NotAMember, UserNotFound
from domain.ids import MessageIdGenerator
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.admission import InMemorySendAdmission
from infra.memory.chat_view import InMemoryChatView
from infra.memory.log import InMemoryLog, InMemoryPublisher
from infra.memory.queries import InMemoryQueries
from projections.chat_projection import ChatProjection
from projections.ports import Push

AT = datetime(2026, 1, 1, tzinfo=UTC)
COMMANDS = "chat.commands"
T = TypeVar("T")


class NoPushes:
    def publish(self, push: Push) -> None:
        return None

    def publish_all(self, pushes: Sequence[Push]) -> None:
        for push in pushes:
            self.publish(push)


class World:
    """A gateway whose read model holds what ``given`` projected."""

    def __init__(self, max_group_size: int = 5, send_burst: int = 100) -> None:
        self.log = InMemoryLog({COMMANDS: 4})
        self.view = InMemoryChatView()
        self.projection = ChatProjection(self.view, NoPushes())
        self.accounts = InMemoryAccountStore()
        self.positions = 0
        self.gateway = CommandGateway(
            InMemoryPublisher(self.log, COMMANDS),
            InMemoryQueries(self.view),
            self.accounts,
            InMemorySendAdmission(),
            MessageIdGenerator(7),
            lambda: AT,
            GatewayLimits(Bucket(send_burst, 1.0), max_group_size),
        )

    def users(self, *names: str) -> None:
        for name in names:
            self.run(self.accounts.add_user(User(name, name, name), "hash"))

    def given(self, conversation: Conversation) -> Conversation:
        for event in conversation.collect_events():
            self.positions += 1
            self.projection.process_event(event, Tracking("events.p0", self.positions))
        return conversation

    def published(self) -> list[Any]:
        records = [r for p in range(4) for r in self.log.records(COMMANDS, p)]
        return [decode_command(record.value) for record in records]

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run(coroutine)


def group(world: World, members: list[str]) -> Conversation:
    return world.given(Conversation.create_group(uuid.uuid4(), "ann", "team", members, AT))


def test_a_members_send_is_published_keyed_by_its_conversation_with_a_fresh_id() -> None:
    world = World()
    chat = world.given(Conversation.start_direct("ann", "bob", AT))
    message_id = world.run(world.gateway.send("ann", str(chat.id), "c1", "hi"))
    [command] = world.published()
    assert isinstance(command, SendMessage)
    assert (command.conversation_id, command.message_id, command.body) == (
        str(chat.id),
        message_id,
        "hi",
    )


def test_a_resend_is_published_again_with_the_first_message_id() -> None:
    world = World()
    chat = world.given(Conversation.start_direct("ann", "bob", AT))
    first = world.run(world.gateway.send("ann", str(chat.id), "c1", "hi"))
    again = world.run(world.gateway.send("ann", str(chat.id), "c1", "hi"))
    assert first == again
    assert [c.message_id for c in world.published()] == [first, first]


def test_a_send_from_a_non_member_is_refused_and_nothing_is_published() -> None:
    world = World()
    chat = world.given(Conversation.start_direct("ann", "bob", AT))
    with pytest.raises(NotAMember):
        world.run(world.gateway.send("eve", str(chat.id), "c1", "hi"))
    assert world.published() == []


def test_a_body_over_the_limit_is_refused_as_too_large_before_the_log() -> None:
    world = World()
    chat = world.given(Conversation.start_direct("ann", "bob", AT))
    with pytest.raises(MessageTooLarge):
        world.run(world.gateway.send("ann", str(chat.id), "c1", "x" * 16385))
    assert world.published() == []


def test_sends_past_the_bucket_are_rate_limited() -> None:
    world = World(send_burst=2)
    chat = world.given(Conversation.start_direct("ann", "bob", AT))
    for n in range(2):
        world.run(world.gateway.send("ann", str(chat.id), f"c{n}", "hi"))
    with pytest.raises(RateLimited):
        world.run(world.gateway.send("ann", str(chat.id), "c9", "hi"))


def test_a_member_who_is_not_admin_cannot_add_members() -> None:
    world = World()
    world.users("cat")
    team = group(world, ["bob"])
    with pytest.raises(NotAllowed):
        world.run(world.gateway.add_members("bob", str(team.id), ["cat"]))
    assert world.published() == []


def test_an_admin_adds_known_users_to_a_group() -> None:
    world = World()
    world.users("cat")
    team = group(world, ["bob"])
    world.run(world.gateway.add_members("ann", str(team.id), ["cat"]))
    [command] = world.published()
    assert isinstance(command, AddMembers) and command.member_ids == ("cat",)


def test_adding_an_unknown_user_is_refused() -> None:
    world = World()
    team = group(world, ["bob"])
    with pytest.raises(UserNotFound):
        world.run(world.gateway.add_members("ann", str(team.id), ["nobody"]))


def test_adding_past_the_group_size_is_refused() -> None:
    world = World(max_group_size=3)
    world.users("cat", "dan")
    team = group(world, ["bob"])
    with pytest.raises(InvalidCommand):
        world.run(world.gateway.add_members("ann", str(team.id), ["cat", "dan"]))


def test_a_direct_conversation_has_no_membership_changes() -> None:
    world = World()
    chat = world.given(Conversation.start_direct("ann", "bob", AT))
    with pytest.raises(NotAllowed):
        world.run(world.gateway.remove_member("ann", str(chat.id), "bob"))


def test_a_member_may_leave_a_group_without_being_admin() -> None:
    world = World()
    team = group(world, ["bob"])
    world.run(world.gateway.remove_member("bob", str(team.id), "bob"))
    assert len(world.published()) == 1


def test_a_direct_conversation_with_oneself_is_refused() -> None:
    world = World()
    world.users("ann")
    with pytest.raises(InvalidCommand):
        world.run(world.gateway.start_direct("ann", "ann"))
