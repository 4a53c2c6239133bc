"""The friends projection and its loop: who is told what, and when."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from eventsourcing.domain import DomainEvent

from commands.accounts import User
from domain.codec import EventCodec
from domain.records import LogRecord
from domain.relationship import Relationship
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.friends import InMemoryFriends
from projections.friends_projector import FriendsProjector
from projections.ports import Push

AT = datetime(2026, 1, 1, tzinfo=UTC)
TOPIC = "chat.events"


class Pushes:
    def __init__(self) -> None:
        self.told: list[tuple[str, str, str, bool]] = []

    def publish(self, push: Push) -> None:
        self.publish_all([push])

    def publish_all(self, pushes: Sequence[Push]) -> None:
        for push in pushes:
            frame = push.frame
            for user in push.user_ids:
                self.told.append((user, frame["user_id"], frame["state"], frame["blocked"]))


class Feed:
    def __init__(self) -> None:
        self.waiting: list[LogRecord] = []

    def poll(self, timeout: float) -> list[LogRecord]:
        polled, self.waiting = self.waiting, []
        return polled

    def backlog(self) -> int:
        return 0

    def close(self) -> None:
        return None


class Setup:
    def __init__(self) -> None:
        accounts = InMemoryAccountStore()
        for name in ("ann", "ben"):
            asyncio.run(accounts.add_user(User(name, name, name), "hash"))
        self.view = InMemoryFriends(accounts)
        self.pushes = Pushes()
        self.codec = EventCodec()
        self.projector = FriendsProjector(self.view, self.pushes, self.codec, TOPIC)
        self.feed = Feed()
        self.relationship = Relationship("ann", "ben")
        self.offsets = itertools.count()

    def project(self, *events: DomainEvent) -> None:
        for event in events:
            record = self.codec.encode(event)
            offset = next(self.offsets)
            self.feed.waiting.append(LogRecord(0, offset, record.key, record.value, record.headers))
        self.projector.step(self.feed, 0)


def test_a_request_tells_the_requester_outgoing_and_the_addressee_incoming() -> None:
    setup = Setup()
    setup.project(*setup.relationship.request("ann", AT))
    assert setup.pushes.told == [
        ("ann", "ben", "outgoing", False),
        ("ben", "ann", "incoming", False),
    ]


def test_an_accept_tells_both_they_are_friends() -> None:
    setup = Setup()
    setup.project(*setup.relationship.request("ann", AT))
    setup.project(*setup.relationship.accept("ben", AT))
    assert setup.pushes.told[2:] == [
        ("ben", "ann", "friends", False),
        ("ann", "ben", "friends", False),
    ]


def test_a_block_tells_the_blocked_user_only_that_the_friendship_ended() -> None:
    setup = Setup()
    setup.project(*setup.relationship.request("ann", AT), *setup.relationship.accept("ben", AT))
    setup.project(*setup.relationship.block("ben", AT))
    assert setup.pushes.told[4:] == [("ben", "ann", "none", True), ("ann", "ben", "none", False)]


def test_a_block_that_ends_nothing_tells_the_blocked_user_nothing() -> None:
    setup = Setup()
    setup.project(*setup.relationship.block("ben", AT))
    setup.project(*setup.relationship.unblock("ben", AT))
    assert setup.pushes.told == [("ben", "ann", "none", True), ("ben", "ann", "none", False)]


def test_records_of_unused_event_types_are_skipped_undecoded_and_tracked() -> None:
    setup = Setup()
    headers = {"event_type": "MessagesRead", "aggregate_id": "not even a uuid"}
    setup.feed.waiting.append(LogRecord(2, 41, "key", b"not json", headers))
    setup.projector.step(setup.feed, 0)
    assert setup.view.max_tracking_id(f"{TOPIC}.p2") == 41
    assert setup.projector.start_offset(2) == 42


def test_pushes_wait_for_the_batch_and_a_failed_batch_pushes_nothing() -> None:
    setup = Setup()
    events = setup.relationship.request("ann", AT)
    record = setup.codec.encode(events[0])
    broken_headers = {**record.headers, "event_type": "FriendRemoved"}
    broken = LogRecord(0, 2, "key", b"{", broken_headers)
    setup.feed.waiting = [LogRecord(0, 1, record.key, record.value, record.headers), broken]
    with pytest.raises(ValueError):
        setup.projector.step(setup.feed, 0)
    assert setup.pushes.told == []
