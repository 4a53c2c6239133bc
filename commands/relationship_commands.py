"""Commands on a Relationship (friend requests, friendships, blocks), as the
edge accepted them for an authenticated user (``user_id``) about another
(``other_id``).

``conversation_id`` is the pair's direct conversation id: the key they go
on the log under, so a pair's relationship commands and its direct
conversation's commands are decided in one partition, by one processor, in
log order (a block is seen by every later send in that conversation).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.conversation import direct_conversation_id


@dataclass(frozen=True)
class _RelationshipCommand:
    user_id: str
    other_id: str
    issued_at: str

    @property
    def conversation_id(self) -> str:
        """The log key: the pair's direct conversation id."""
        return str(direct_conversation_id(self.user_id, self.other_id))


@dataclass(frozen=True)
class RequestFriend(_RelationshipCommand):
    pass


@dataclass(frozen=True)
class AcceptFriend(_RelationshipCommand):
    pass


@dataclass(frozen=True)
class DropFriendRequest(_RelationshipCommand):
    """Declines the other's request, or cancels one's own."""


@dataclass(frozen=True)
class RemoveFriend(_RelationshipCommand):
    pass


@dataclass(frozen=True)
class BlockUser(_RelationshipCommand):
    pass


@dataclass(frozen=True)
class UnblockUser(_RelationshipCommand):
    pass


RelationshipCommand = (
    RequestFriend | AcceptFriend | DropFriendRequest | RemoveFriend | BlockUser | UnblockUser
)
RELATIONSHIP_COMMANDS: tuple[type[RelationshipCommand], ...] = (
    RequestFriend,
    AcceptFriend,
    DropFriendRequest,
    RemoveFriend,
    BlockUser,
    UnblockUser,
)
