"""The edge's side of edits, deletions and reactions: a token from the
user's change bucket (shared by all edges, like sends), the rules of
domain.message_rules against the read model (one answer, "no such
message", for a conversation the user is not in, a message that does not
exist, someone else's and a deleted one), then the command onto the log.
The processor decides for good against the aggregate: a change it refuses
(the read model was behind) comes back as a ``rejected`` push."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.persistence import Cipher

from commands.gateway import Membership
from commands.limits import Bucket, RateLimiter, require_token
from commands.messages import DeleteMessage, EditMessage, React, Unreact, encode_command
from commands.ports import LogPublisher
from domain import message_rules
from domain.errors import MessageNotFound
from domain.records import OutgoingRecord
from domain.rules import is_storable_text

Change = EditMessage | DeleteMessage | React | Unreact
DEFAULT_CHANGE_BUCKET = Bucket(burst=30, per_second=5.0)


@dataclass(frozen=True)
class PostedBy:
    """What the rules need of a message in the read model."""

    sender_id: str
    deleted: bool


# (conversation id, seq) -> the message, or None when the read model has none.
MessageLookup = Callable[[str, int], Awaitable[PostedBy | None]]


class ChangeGateway:
    def __init__(
        self,
        publisher: LogPublisher,
        membership: Membership,
        lookup: MessageLookup,
        limiter: RateLimiter,
        clock: Callable[[], datetime],
        bucket: Bucket = DEFAULT_CHANGE_BUCKET,
        cipher: Cipher | None = None,
    ) -> None:
        self._publisher = publisher
        self._membership = membership
        self._lookup = lookup
        self._limiter = limiter
        self._clock = clock
        self._bucket = bucket
        self._cipher = cipher

    async def edit(self, user_id: str, conversation_id: str, seq: int, body: str) -> None:
        message_rules.validate_body(body)
        await self._submit(EditMessage(conversation_id, user_id, seq, body, self._now()))

    async def delete(self, user_id: str, conversation_id: str, seq: int) -> None:
        await self._submit(DeleteMessage(conversation_id, user_id, seq, self._now()))

    async def react(self, user_id: str, conversation_id: str, seq: int, emoji: str) -> None:
        message_rules.validate_emoji(emoji)
        await self._submit(React(conversation_id, user_id, seq, emoji, self._now()))

    async def unreact(self, user_id: str, conversation_id: str, seq: int, emoji: str) -> None:
        message_rules.validate_emoji(emoji)
        await self._submit(Unreact(conversation_id, user_id, seq, emoji, self._now()))

    async def _submit(self, command: Change) -> None:
        await require_token(self._limiter, f"change:{command.user_id}", self._bucket, self._clock())
        await self._require_changeable(command)
        conversation_id = command.conversation_id
        record = OutgoingRecord(
            key=conversation_id,
            value=encode_command(command, self._cipher),
            headers={"command_type": type(command).__name__},
        )
        await self._publisher.publish(record)

    async def _require_changeable(self, command: Change) -> None:
        user_id, conversation_id = command.user_id, command.conversation_id
        roles = None
        if is_storable_text(conversation_id):
            roles = await self._membership.roles(conversation_id, user_id)
        found = None if roles is None else await self._lookup(conversation_id, command.seq)
        if roles is None or found is None or found.deleted:
            raise MessageNotFound("no such message")
        if isinstance(command, EditMessage):
            message_rules.require_own(found.sender_id, user_id)
        elif isinstance(command, DeleteMessage):
            message_rules.require_can_delete(roles.kind, roles.members, found.sender_id, user_id)

    def _now(self) -> str:
        return self._clock().isoformat()
