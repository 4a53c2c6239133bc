"""The edge's side of friend requests, friendships and blocks: the
Relationship's own rules (domain.relationship) checked against the read
model, then onto the log, keyed by the pair's direct conversation. The
processor decides again against the log. A command that would change
nothing (a repeated request or block) is not published: nothing goes on
the log. Friend requests are rate-limited per user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from eventsourcing.persistence import Cipher

from commands.gateway import UserDirectory
from commands.limits import Bucket, RateLimiter, require_token
from commands.messages import encode_command
from commands.ports import LogPublisher
from commands.relationship_commands import (
    AcceptFriend,
    BlockUser,
    DropFriendRequest,
    RelationshipCommand,
    RemoveFriend,
    RequestFriend,
    UnblockUser,
)
from commands.relationship_decider import DECISIONS
from domain.records import OutgoingRecord
from domain.relationship import Relationship, RelationshipState, require_two_users, unknown_user

DEFAULT_REQUEST_BUCKET = Bucket(burst=30, per_second=30 / 3600)


class RelationReads(Protocol):
    async def relation(self, user_id: str, other_id: str) -> RelationshipState:
        """The pair's friendship, pending request and blocks, as projected."""
        ...


class RelationshipGateway:
    def __init__(
        self,
        publisher: LogPublisher,
        users: UserDirectory,
        relations: RelationReads,
        limiter: RateLimiter,
        clock: Callable[[], datetime],
        request_bucket: Bucket = DEFAULT_REQUEST_BUCKET,
        cipher: Cipher | None = None,
    ) -> None:
        self._publisher = publisher
        self._users = users
        self._relations = relations
        self._limiter = limiter
        self._clock = clock
        self._request_bucket = request_bucket
        self._cipher = cipher

    async def request(self, user_id: str, other_id: str) -> None:
        """Oneself 422; over the user's bucket 429; an unknown user, or one
        who blocked the caller, 404 (the same answer); friends already 409."""
        require_two_users(user_id, other_id)
        key = f"friend-requests:{user_id}"
        await require_token(self._limiter, key, self._request_bucket, self._clock())
        await self._require_user(other_id)
        await self._decide(RequestFriend, user_id, other_id)

    async def accept(self, user_id: str, other_id: str) -> None:
        await self._decide(AcceptFriend, user_id, other_id)

    async def drop_request(self, user_id: str, other_id: str) -> None:
        """Declines the other's request, or cancels one's own."""
        await self._decide(DropFriendRequest, user_id, other_id)

    async def remove(self, user_id: str, other_id: str) -> None:
        await self._decide(RemoveFriend, user_id, other_id)

    async def block(self, user_id: str, other_id: str) -> None:
        require_two_users(user_id, other_id)
        await self._require_user(other_id)
        await self._decide(BlockUser, user_id, other_id)

    async def unblock(self, user_id: str, other_id: str) -> None:
        await self._decide(UnblockUser, user_id, other_id)

    async def _require_user(self, user_id: str) -> None:
        if await self._users.user_by_id(user_id) is None:
            raise unknown_user(user_id)

    async def _decide(
        self, command_class: type[RelationshipCommand], user_id: str, other_id: str
    ) -> None:
        require_two_users(user_id, other_id)
        now = self._clock()
        state = await self._relations.relation(user_id, other_id)
        decided = DECISIONS[command_class](Relationship(user_id, other_id, state), user_id, now)
        if not decided:
            return  # it would change nothing
        command = command_class(user_id, other_id, now.isoformat())
        record = OutgoingRecord(
            key=command.conversation_id,
            value=encode_command(command, self._cipher),
            headers={"command_type": command_class.__name__},
        )
        await self._publisher.publish(record)
