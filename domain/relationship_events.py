"""The events of a Relationship (domain.relationship): one pair of users,
``user_id`` the one who acted, ``other_id`` the other. They are plain
eventsourcing domain events (not chained: the hash chain is the
conversations' audit trail), applied by the Relationship itself.

On the log they are keyed by the pair's direct conversation id
(``log_key``), so a pair's relationship and its direct conversation live
in one partition and are decided by one processor, in log order."""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.domain import DomainEvent

from domain.conversation import direct_conversation_id

ENDED_FRIENDSHIP = "friendship"
ENDED_REQUEST = "request"


@dataclass(frozen=True)
class RelationshipEvent(DomainEvent):
    user_id: str
    other_id: str

    @property
    def log_key(self) -> str:
        """The record key on the log: the pair's direct conversation id."""
        return str(direct_conversation_id(self.user_id, self.other_id))


@dataclass(frozen=True)
class FriendRequested(RelationshipEvent):
    """``user_id`` asked ``other_id`` to be friends."""


@dataclass(frozen=True)
class FriendRequestAccepted(RelationshipEvent):
    """``user_id`` accepted the request of ``other_id`` (also when it asked
    ``other_id`` while ``other_id``'s request to it was pending): friends."""


@dataclass(frozen=True)
class FriendRequestDeclined(RelationshipEvent):
    """``user_id`` declined the request of ``other_id``."""


@dataclass(frozen=True)
class FriendRequestCancelled(RelationshipEvent):
    """``user_id`` took back its own request to ``other_id``."""


@dataclass(frozen=True)
class FriendRemoved(RelationshipEvent):
    """``user_id`` ended the friendship."""


@dataclass(frozen=True)
class UserBlocked(RelationshipEvent):
    """``user_id`` blocked ``other_id``. ``ended`` says what the block ended:
    ``"friendship"``, ``"request"`` (a pending one, either way) or None."""

    ended: str | None


@dataclass(frozen=True)
class UserUnblocked(RelationshipEvent):
    """``user_id`` lifted its block of ``other_id``."""


RELATIONSHIP_EVENTS: tuple[type[RelationshipEvent], ...] = (
    FriendRequested,
    FriendRequestAccepted,
    FriendRequestDeclined,
    FriendRequestCancelled,
    FriendRemoved,
    UserBlocked,
    UserUnblocked,
)
