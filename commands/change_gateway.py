"""The edge's side of edits, deletions and reactions: a token from the
user's change bucket (shared by all edges, like sends), a membership check
against the read model, then the command onto the log. The processor
decides for good against the aggregate (domain.message_rules): a change it
refuses comes back as a ``rejected`` push."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from eventsourcing.persistence import Cipher

from commands.gateway import Membership
from commands.limits import Bucket, RateLimiter, require_token
from commands.messages import DeleteMessage, EditMessage, React, Unreact, encode_command
from commands.ports import LogPublisher
from domain import message_rules
from domain.errors import NotAMember
from domain.records import OutgoingRecord
from domain.rules import is_storable_text

Change = EditMessage | DeleteMessage | React | Unreact
DEFAULT_CHANGE_BUCKET = Bucket(burst=30, per_second=5.0)


class ChangeGateway:
    def __init__(
        self,
        publisher: LogPublisher,
        membership: Membership,
        limiter: RateLimiter,
        clock: Callable[[], datetime],
        bucket: Bucket = DEFAULT_CHANGE_BUCKET,
        cipher: Cipher | None = None,
    ) -> None:
        self._publisher = publisher
        self._membership = membership
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
        conversation_id = command.conversation_id
        if not is_storable_text(conversation_id) or not await self._membership.is_member(
            conversation_id, command.user_id
        ):
            raise NotAMember("no such conversation")
        record = OutgoingRecord(
            key=conversation_id,
            value=encode_command(command, self._cipher),
            headers={"command_type": type(command).__name__},
        )
        await self._publisher.publish(record)

    def _now(self) -> str:
        return self._clock().isoformat()
