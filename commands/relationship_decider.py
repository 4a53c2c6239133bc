"""Decides relationship commands against the relationships of one log
partition, and answers what a block means for the direct conversations of
the same partition (a pair's relationship and its direct conversation
share a key, so they share a partition: commands/relationship_commands.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime

from eventsourcing.domain import DomainEvent

from commands.messages import issued_time
from commands.relationship_commands import (
    AcceptFriend,
    BlockUser,
    DropFriendRequest,
    RelationshipCommand,
    RemoveFriend,
    RequestFriend,
    UnblockUser,
)
from domain.conversation import Conversation
from domain.errors import DomainError
from domain.membership_rules import DIRECT
from domain.rejection import CommandRejected
from domain.relationship import Relationship, relationship_id
from domain.relationship_events import RelationshipEvent

Decision = Callable[[Relationship, str, datetime], list[RelationshipEvent]]
DECISIONS: dict[type[RelationshipCommand], Decision] = {
    RequestFriend: Relationship.request,
    AcceptFriend: Relationship.accept,
    DropFriendRequest: Relationship.drop_request,
    RemoveFriend: Relationship.remove,
    BlockUser: Relationship.block,
    UnblockUser: Relationship.unblock,
}


class RelationshipBook:
    """The relationships of one partition, rebuilt from its events."""

    def __init__(self) -> None:
        self._pairs: dict[uuid.UUID, Relationship] = {}

    def __len__(self) -> int:
        return len(self._pairs)

    @property
    def pairs(self) -> Mapping[uuid.UUID, Relationship]:
        return self._pairs

    def adopt(self, relationship: Relationship) -> None:
        """A relationship restored from a snapshot."""
        self._pairs[relationship.id] = relationship

    def version_of(self, relationship_id: uuid.UUID) -> int:
        current = self._pairs.get(relationship_id)
        return 0 if current is None else current.version

    def apply(self, event: DomainEvent) -> bool:
        """Applies a relationship event (one at or below the version held,
        from a snapshot, changes nothing); False for any other event."""
        if not isinstance(event, RelationshipEvent):
            return False
        relationship = self._of(event.user_id, event.other_id)
        if event.originator_version > relationship.version:
            relationship.apply(event)
        return True

    def between(self, user_a: str, user_b: str) -> Relationship | None:
        """The pair's relationship, if anything ever happened between them."""
        return self._pairs.get(relationship_id(user_a, user_b))

    def of_direct(self, conversation: Conversation) -> Relationship | None:
        """The relationship of a direct conversation's two members."""
        if conversation.kind != DIRECT or len(conversation.members) != 2:
            return None
        first, second = conversation.members
        return self.between(first, second)

    def decide(self, command: RelationshipCommand) -> list[DomainEvent]:
        at = issued_time(command)
        relationship: Relationship | None = None
        try:
            relationship = self._of(command.user_id, command.other_id)
            decided = DECISIONS[type(command)](relationship, command.user_id, at)
        except DomainError as error:
            version = relationship.version if relationship else 0
            return [_rejection(command, version, at, error)]
        return list(decided)

    def _of(self, user_a: str, user_b: str) -> Relationship:
        key = relationship_id(user_a, user_b)
        found = self._pairs.get(key)
        if found is None:
            found = self._pairs[key] = Relationship(user_a, user_b)
        return found


def _rejection(
    command: RelationshipCommand, version: int, at: datetime, error: DomainError
) -> CommandRejected:
    """Refused: only the sender hears of it, under the pair's log key."""
    return CommandRejected(
        originator_id=uuid.UUID(command.conversation_id),
        originator_version=version,
        timestamp=at,
        command_type=type(command).__name__,
        sender=command.user_id,
        client_msg_id=None,
        code=error.code,
        reason=str(error),
    )
