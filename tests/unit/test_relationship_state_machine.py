"""Hypothesis drives friend requests, accepts, declines, cancels, removals,
blocks and unblocks of three users, every user acting concurrently (each
command is issued on a stale view and decided later, in any order), through
the processor's decider and the friends projection. Invariants: friendship
is symmetric, a blocked pair is never friends, every request is pending,
accepted or gone (and none is accepted twice), the read model equals the
aggregate, and each user's last ``friend`` push tells its relation as it is."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from commands.accounts import User
from commands.decider import PartitionState
from commands.relationship_commands import (
    AcceptFriend,
    BlockUser,
    DropFriendRequest,
    RelationshipCommand,
    RemoveFriend,
    RequestFriend,
    UnblockUser,
)
from domain import relationship_events as events
from domain.rejection import CommandRejected
from domain.relationship import NONE, Relationship, RelationshipState
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.friends import InMemoryFriends
from projections.friends_projection import FriendsProjection
from projections.ports import Push

USERS = ("ann", "ben", "cat")
PAIRS = list(itertools.combinations(USERS, 2))
KINDS: dict[str, type[RelationshipCommand]] = {
    "request": RequestFriend,
    "accept": AcceptFriend,
    "drop": DropFriendRequest,
    "remove": RemoveFriend,
    "block": BlockUser,
    "unblock": UnblockUser,
}
T0 = datetime(2026, 1, 1, tzinfo=UTC)
PENDING, ACCEPTED, GONE = "pending", "accepted", "gone"


class PushLog:
    """The last ``friend`` push each user got about each other user."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], tuple[str, bool]] = {}

    def publish(self, push: Push) -> None:
        for user in push.user_ids:
            self.last[(user, push.frame["user_id"])] = (push.frame["state"], push.frame["blocked"])

    def publish_all(self, pushes: Sequence[Push]) -> None:
        for push in pushes:
            self.publish(push)


@dataclass
class Request:
    by: str
    to: str
    fate: str = PENDING


def pair_of(event: events.RelationshipEvent) -> tuple[str, str]:
    first, second = sorted((event.user_id, event.other_id))
    return first, second


class RelationshipMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.decider = PartitionState()
        accounts = InMemoryAccountStore()
        for user in USERS:
            asyncio.run(accounts.add_user(User(user, user, user), "hash"))
        self.view = InMemoryFriends(accounts)
        self.pushes = PushLog()
        self.projection = FriendsProjection(self.view, self.pushes)
        self.in_flight: list[RelationshipCommand] = []
        self.requests: dict[tuple[str, str], list[Request]] = {pair: [] for pair in PAIRS}
        self.friends_since: dict[tuple[str, str], bool] = dict.fromkeys(PAIRS, False)
        self.positions = itertools.count()
        self.clock = itertools.count()

    @rule(
        actor=st.sampled_from(USERS),
        other=st.sampled_from(USERS),
        kind=st.sampled_from(sorted(KINDS)),
    )
    def issue(self, actor: str, other: str, kind: str) -> None:
        """A user acts: its command is on the way, not decided yet."""
        if actor == other:
            return
        at = T0 + timedelta(seconds=next(self.clock))
        self.in_flight.append(KINDS[kind](actor, other, at.isoformat()))

    @precondition(lambda self: self.in_flight)
    @rule(data=st.data())
    def decide_one(self, data: st.DataObject) -> None:
        """The processor decides one of the commands on the way, any of them."""
        index = data.draw(st.integers(0, len(self.in_flight) - 1))
        command = self.in_flight.pop(index)
        for event in self.decider.decide(command):
            self._follow(event)
            self.projection.process_event(event, Tracking("chat.events.p0", next(self.positions)))

    def _follow(self, event: DomainEvent) -> None:
        """Every request's fate; accepting a request that is not pending fails."""
        if isinstance(event, CommandRejected):
            return
        assert isinstance(event, events.RelationshipEvent)
        pair = pair_of(event)
        pending = [r for r in self.requests[pair] if r.fate == PENDING]
        match event:
            case events.FriendRequested():
                assert not pending and not self.friends_since[pair]
                self.requests[pair].append(Request(event.user_id, event.other_id))
            case events.FriendRequestAccepted():
                assert len(pending) == 1 and pending[0].to == event.user_id
                assert not self.friends_since[pair], "friends twice"
                pending[0].fate = ACCEPTED
                self.friends_since[pair] = True
            case events.FriendRequestDeclined() | events.FriendRequestCancelled():
                assert len(pending) == 1
                pending[0].fate = GONE
            case events.FriendRemoved():
                assert self.friends_since[pair]
                self.friends_since[pair] = False
            case events.UserBlocked():
                for request in pending:
                    request.fate = GONE
                self.friends_since[pair] = False

    def _relation(self, user: str, other: str) -> RelationshipState:
        return asyncio.run(self.view.relation(user, other))

    def _friend_ids(self, user: str) -> set[str]:
        return {row["user_id"] for row in asyncio.run(self.view.friends(user))}

    @invariant()
    def friendship_is_symmetric(self) -> None:
        for user, other in PAIRS:
            assert (other in self._friend_ids(user)) == (user in self._friend_ids(other))

    @invariant()
    def a_blocked_pair_is_never_friends(self) -> None:
        for user, other in PAIRS:
            if asyncio.run(self.view.blocked_between(user, other)):
                assert other not in self._friend_ids(user)

    @invariant()
    def every_request_is_pending_accepted_or_gone(self) -> None:
        for (user, other), requests in self.requests.items():
            pending = [r for r in requests if r.fate == PENDING]
            assert len(pending) <= 1
            incoming, outgoing = asyncio.run(self.view.requests(user))
            listed = [(other, user) for r in incoming if r["user_id"] == other] + [
                (user, r["user_id"]) for r in outgoing if r["user_id"] == other
            ]
            assert listed == [(r.by, r.to) for r in pending]
            if pending:
                assert not self.friends_since[(user, other)]
                assert not asyncio.run(self.view.blocked_between(user, other))

    @invariant()
    def the_read_model_is_what_the_aggregate_decided(self) -> None:
        for user, other in PAIRS:
            decided = self.decider_state(user, other)
            assert self._relation(user, other) == decided.state
            assert self.friends_since[(user, other)] == decided.friends

    @invariant()
    def the_last_friend_push_tells_the_relation_as_it_is(self) -> None:
        for user, other in itertools.permutations(USERS, 2):
            decided = self.decider_state(user, other)
            told = self.pushes.last.get((user, other), (NONE, False))
            assert told == (decided.seen_by(user), decided.has_blocked(user))

    def decider_state(self, user: str, other: str) -> Relationship:
        found = self.decider._relationships.between(user, other)
        return found if found is not None else Relationship(user, other)


RelationshipMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=40)
test_relationships_keep_their_invariants = RelationshipMachine.TestCase
