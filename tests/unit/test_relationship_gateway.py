"""The relationship gateway and the command gateway's block checks on
in-memory adapters: what reaches the log, and what is refused before it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from eventsourcing.persistence import Tracking

from commands.accounts import User
from commands.gateway import CommandGateway, GatewayLimits
from commands.limits import Bucket, RateLimited
from commands.messages import AnyCommand, decode_command
from commands.relationship_commands import BlockUser, RequestFriend
from commands.relationship_gateway import RelationshipGateway
from domain.conversation import direct_conversation_id
from domain.errors import Conflict, InvalidCommand, RelationNotFound, UserNotFound
from domain.ids import MessageIdGenerator
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.admission import InMemorySendAdmission
from infra.memory.chat_view import InMemoryChatView
from infra.memory.friends import InMemoryFriends
from infra.memory.limits import InMemoryRateLimiter
from infra.memory.log import InMemoryLog, InMemoryPublisher
from infra.memory.queries import InMemoryQueries
from infra.partitioning import partition_for

AT = datetime(2026, 1, 1, tzinfo=UTC)
COMMANDS = "chat.commands"
T = TypeVar("T")


class World:
    def __init__(self, requests_per_hour: int = 100) -> None:
        self.log = InMemoryLog({COMMANDS: 4})
        self.accounts = InMemoryAccountStore()
        self.friends = InMemoryFriends(self.accounts)
        self.positions = 0
        publisher = InMemoryPublisher(self.log, COMMANDS)
        self.relationships = RelationshipGateway(
            publisher,
            self.accounts,
            self.friends,
            InMemoryRateLimiter(),
            lambda: AT,
            Bucket(requests_per_hour, requests_per_hour / 3600),
        )
        self.gateway = CommandGateway(
            publisher,
            InMemoryQueries(InMemoryChatView()),
            self.accounts,
            InMemorySendAdmission(),
            MessageIdGenerator(7),
            lambda: AT,
            GatewayLimits(Bucket(100, 1.0)),
            blocks=self.friends,
        )
        for name in ("ann", "ben", "cat"):
            self.run(self.accounts.add_user(User(name, name, name), "hash"))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run(coroutine)

    def tracking(self) -> Tracking:
        self.positions += 1
        return Tracking("chat.events.p0", self.positions)

    def published(self) -> list[AnyCommand]:
        records = [r for p in range(4) for r in self.log.records(COMMANDS, p)]
        return [decode_command(record.value) for record in records]


def test_a_request_goes_on_the_log_in_the_partition_of_the_pairs_direct_conversation() -> None:
    world = World()
    world.run(world.relationships.request("ann", "ben"))
    (command,) = world.published()
    assert command == RequestFriend("ann", "ben", AT.isoformat())
    partition = partition_for(str(direct_conversation_id("ann", "ben")), 4)
    assert len(world.log.records(COMMANDS, partition)) == 1


def test_refused_requests_put_nothing_on_the_log() -> None:
    world = World()
    world.friends.user_blocked("cat", "ann", AT, world.tracking())
    world.friends.friend_requested("ben", "ann", AT, world.tracking())
    world.friends.friends_made("ann", "ben", AT, world.tracking())
    refusals = [
        (InvalidCommand, world.relationships.request("ann", "ann")),
        (UserNotFound, world.relationships.request("ann", "nobody")),
        (UserNotFound, world.relationships.request("ann", "cat")),
        (Conflict, world.relationships.request("ann", "ben")),
        (RelationNotFound, world.relationships.accept("cat", "ann")),
        (RelationNotFound, world.relationships.drop_request("cat", "ben")),
        (RelationNotFound, world.relationships.remove("cat", "ben")),
        (RelationNotFound, world.relationships.unblock("ann", "cat")),
        (UserNotFound, world.relationships.block("ann", "nobody")),
    ]
    for refusal, call in refusals:
        with pytest.raises(refusal):
            world.run(call)
    assert world.published() == []


def test_the_blocked_get_the_same_answer_as_for_an_unknown_user() -> None:
    world = World()
    world.friends.user_blocked("cat", "ann", AT, world.tracking())
    answers = []
    for other in ("cat", "dan"):
        with pytest.raises(UserNotFound) as refused:
            world.run(world.relationships.request("ann", other))
        answers.append((refused.value.code, str(refused.value).replace(other, "<id>")))
    assert answers[0] == answers[1] == ("not_found", "no such user: <id>")


def test_a_repeated_request_or_block_puts_nothing_more_on_the_log() -> None:
    world = World()
    world.friends.friend_requested("ann", "ben", AT, world.tracking())
    world.friends.user_blocked("ann", "cat", AT, world.tracking())
    world.run(world.relationships.request("ann", "ben"))
    world.run(world.relationships.block("ann", "cat"))
    assert world.published() == []


def test_friend_requests_are_rate_limited_per_user() -> None:
    world = World(requests_per_hour=2)
    world.run(world.relationships.request("ann", "ben"))
    world.run(world.relationships.request("ann", "cat"))
    with pytest.raises(RateLimited):
        world.run(world.relationships.request("ann", "ben"))
    world.run(world.relationships.request("ben", "cat"))  # another user's own bucket
    assert len(world.published()) == 3


def test_a_block_goes_on_the_log_even_between_strangers() -> None:
    world = World()
    world.run(world.relationships.block("ben", "ann"))
    assert world.published() == [BlockUser("ben", "ann", AT.isoformat())]


def test_the_blocked_user_cannot_start_a_direct_conversation_nor_add_the_blocker() -> None:
    world = World()
    world.friends.user_blocked("cat", "ann", AT, world.tracking())
    with pytest.raises(UserNotFound, match="no such user: cat"):
        world.run(world.gateway.start_direct("ann", "cat"))
    with pytest.raises(UserNotFound, match="no such user: cat"):
        world.run(world.gateway.create_group("ann", "crew", ["ben", "cat"]))
    assert world.published() == []


def test_the_blocker_can_still_start_the_direct_conversation() -> None:
    world = World()
    world.friends.user_blocked("cat", "ann", AT, world.tracking())
    world.run(world.gateway.start_direct("cat", "ann"))
    assert [type(c).__name__ for c in world.published()] == ["StartDirect"]
