"""The Relationship aggregate: friendship, friend requests and blocks
between one unordered pair of users, decided one command at a time.

States: none, requested (by one of them), friends; and, beside them, a
block by either user or both. A block ends a friendship and any pending
request, and while it stands nobody asks anybody. Every rule is here,
once: the processor decides with it against the log, and the edge checks
it against the read model before a command goes on the log. The rules of
a block that other aggregates need (sending, receipts, starting a direct
conversation) are here too, as questions the processor asks the pair's
Relationship, which lives in the same partition as their direct
conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import relationship_events as events
from domain.errors import Conflict, InvalidCommand, NotAllowed, RelationNotFound, UserNotFound

_RELATIONSHIP_NAMESPACE = uuid.UUID("3b0e8f55-6a4d-4f3e-9d2c-5b1a7e9c4f21")

# How one user sees its relation to the other (the ``friend`` push's state).
NONE, INCOMING, OUTGOING, FRIENDS = "none", "incoming", "outgoing", "friends"


def relationship_id(user_a: str, user_b: str) -> uuid.UUID:
    """The one id of a pair's relationship, in either order."""
    first, second = sorted((user_a, user_b))
    return uuid.uuid5(_RELATIONSHIP_NAMESPACE, f"relationship:{first}|{second}")


def unknown_user(user_id: str) -> UserNotFound:
    """The answer for a user who does not exist, and for one who blocked the
    asker: the same, so a block cannot be told from a missing account."""
    return UserNotFound(f"no such user: {user_id[:64]}")


def require_two_users(user_id: str, other_id: str) -> None:
    if user_id == other_id:
        raise InvalidCommand("that is yourself")


@dataclass(frozen=True)
class RelationshipState:
    """What the read model knows of a pair (and what the aggregate holds)."""

    friends: bool = False
    requested_by: str | None = None
    blocked_by: frozenset[str] = field(default_factory=frozenset)


class Relationship:
    """One pair's relationship. Each decision returns the events it made
    (empty: nothing changes) and has applied them; a refused one raises a
    DomainError and changes nothing."""

    def __init__(
        self, user_a: str, user_b: str, state: RelationshipState | None = None, version: int = 0
    ) -> None:
        require_two_users(user_a, user_b)
        self.users = tuple(sorted((user_a, user_b)))
        self.id = relationship_id(user_a, user_b)
        self.version = version
        state = state or RelationshipState()
        self.friends = state.friends
        self.requested_by = state.requested_by
        self.blocked_by = set(state.blocked_by)

    @property
    def state(self) -> RelationshipState:
        return RelationshipState(self.friends, self.requested_by, frozenset(self.blocked_by))

    def other(self, user_id: str) -> str:
        if user_id not in self.users:
            raise ValueError(f"{user_id} is not one of {self.users}")
        return self.users[1] if user_id == self.users[0] else self.users[0]

    def seen_by(self, user_id: str) -> str:
        """``friends``, ``incoming`` (the other asked), ``outgoing`` or ``none``."""
        if self.friends:
            return FRIENDS
        if self.requested_by is None:
            return NONE
        return OUTGOING if self.requested_by == user_id else INCOMING

    def has_blocked(self, user_id: str) -> bool:
        return user_id in self.blocked_by

    # -- decisions --------------------------------------------------------

    def request(self, actor: str, at: datetime) -> list[events.RelationshipEvent]:
        """Asks the other; accepts at once if the other had asked first; a
        repeat of a pending request changes nothing."""
        other = self.other(actor)
        if self.has_blocked(other):
            raise unknown_user(other)
        if self.has_blocked(actor):
            raise Conflict("you blocked this user; unblock them first")
        if self.friends:
            raise Conflict("you are friends already")
        if self.requested_by == actor:
            return []
        if self.requested_by == other:
            return [self._trigger(events.FriendRequestAccepted, actor, at)]
        return [self._trigger(events.FriendRequested, actor, at)]

    def accept(self, actor: str, at: datetime) -> list[events.RelationshipEvent]:
        if self.requested_by != self.other(actor):
            raise RelationNotFound("no friend request from this user")
        return [self._trigger(events.FriendRequestAccepted, actor, at)]

    def drop_request(self, actor: str, at: datetime) -> list[events.RelationshipEvent]:
        """Declines the other's request, or cancels one's own."""
        other = self.other(actor)
        if self.requested_by == other:
            return [self._trigger(events.FriendRequestDeclined, actor, at)]
        if self.requested_by == actor:
            return [self._trigger(events.FriendRequestCancelled, actor, at)]
        raise RelationNotFound("no friend request between you and this user")

    def remove(self, actor: str, at: datetime) -> list[events.RelationshipEvent]:
        self.other(actor)
        if not self.friends:
            raise RelationNotFound("you are not friends")
        return [self._trigger(events.FriendRemoved, actor, at)]

    def block(self, actor: str, at: datetime) -> list[events.RelationshipEvent]:
        """Ends a friendship or a pending request; blocking again changes nothing."""
        self.other(actor)
        if self.has_blocked(actor):
            return []
        ended = None
        if self.friends:
            ended = events.ENDED_FRIENDSHIP
        elif self.requested_by is not None:
            ended = events.ENDED_REQUEST
        return [self._trigger(events.UserBlocked, actor, at, ended=ended)]

    def unblock(self, actor: str, at: datetime) -> list[events.RelationshipEvent]:
        self.other(actor)
        if not self.has_blocked(actor):
            raise RelationNotFound("you have not blocked this user")
        return [self._trigger(events.UserUnblocked, actor, at)]

    # -- what a block means for the pair's direct conversation -------------

    def require_can_send(self, sender: str) -> None:
        """No new message in a blocked pair's direct conversation, either way."""
        if self.has_blocked(sender):
            raise NotAllowed("you blocked this user; unblock them to send")
        if self.has_blocked(self.other(sender)):
            raise NotAllowed("you cannot send to this conversation")

    def hides_activity_of(self, user_id: str) -> bool:
        """Whether the other blocked this user: then nothing new of it (no
        receipt, no typing) reaches the other."""
        return self.has_blocked(self.other(user_id))

    def require_can_start_direct(self, actor: str) -> None:
        """A blocked user cannot open a direct conversation with its blocker."""
        other = self.other(actor)
        if self.has_blocked(other):
            raise unknown_user(other)

    # -- events -----------------------------------------------------------

    def apply(self, event: events.RelationshipEvent) -> None:
        actor = event.user_id
        match event:
            case events.FriendRequested():
                self.requested_by = actor
            case events.FriendRequestAccepted():
                self.requested_by, self.friends = None, True
            case events.FriendRequestDeclined() | events.FriendRequestCancelled():
                self.requested_by = None
            case events.FriendRemoved():
                self.friends = False
            case events.UserBlocked():
                self.friends, self.requested_by = False, None
                self.blocked_by.add(actor)
            case events.UserUnblocked():
                self.blocked_by.discard(actor)
        self.version = event.originator_version

    def replay(self, past: Iterable[events.RelationshipEvent]) -> None:
        for event in past:
            self.apply(event)

    def _trigger(
        self,
        event_class: type[events.RelationshipEvent],
        actor: str,
        at: datetime,
        **fields: Any,
    ) -> events.RelationshipEvent:
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=at,
            user_id=actor,
            other_id=self.other(actor),
            **fields,
        )
        self.apply(event)
        return event
