"""The edge's side of the command path: checks, ids, then onto the log.

A command is acknowledged only once the log acknowledged it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from eventsourcing.persistence import Cipher

from commands.limits import Bucket, RateLimiter, require_token
from commands.messages import (
    AddMembers,
    Command,
    CreateGroup,
    MarkDelivered,
    MarkRead,
    RemoveMember,
    RenameGroup,
    SendMessage,
    StartDirect,
    encode_command,
)
from commands.ports import CommandPublisher, OutgoingRecord
from domain.conversation import direct_conversation_id
from domain.errors import ConversationNotFound, InvalidCommand
from domain.ids import MessageIdGenerator
from domain.rules import (
    MAX_BODY_BYTES,
    is_storable_text,
    validate_message,
    validate_text,
    validate_title,
)


class TooLarge(InvalidCommand):
    code = "too_large"


class Membership(Protocol):
    async def is_member(self, conversation_id: str, user_id: str) -> bool: ...


class SendClaims(Protocol):
    """First claim of (conversation, sender, client_msg_id) wins its message id."""

    async def claim(self, key: str, message_id: int) -> int:
        """Returns the message id that owns the key (this one if it was free)."""
        ...


class CommandGateway:
    def __init__(
        self,
        publisher: CommandPublisher,
        membership: Membership,
        claims: SendClaims,
        ids: MessageIdGenerator,
        clock: Callable[[], datetime],
        limiter: RateLimiter,
        send_bucket: Bucket,
        cipher: Cipher | None = None,
    ) -> None:
        self._cipher = cipher
        self._limiter = limiter
        self._send_bucket = send_bucket
        self._publisher = publisher
        self._membership = membership
        self._claims = claims
        self._ids = ids
        self._clock = clock

    async def start_direct(self, user_id: str, peer_id: str) -> str:
        if user_id == peer_id:
            raise InvalidCommand("a direct conversation needs two different users")
        conversation_id = str(direct_conversation_id(user_id, peer_id))
        await self._submit(StartDirect(conversation_id, user_id, peer_id, self._now()))
        return conversation_id

    async def create_group(self, user_id: str, title: str, member_ids: list[str]) -> str:
        validate_title(title)
        conversation_id = str(uuid.uuid4())
        members = tuple(dict.fromkeys(member_ids))
        await self._submit(CreateGroup(conversation_id, user_id, title, members, self._now()))
        return conversation_id

    async def add_members(self, user_id: str, conversation_id: str, member_ids: list[str]) -> None:
        members = tuple(dict.fromkeys(member_ids))
        await self._submit(AddMembers(conversation_id, user_id, members, self._now()))

    async def remove_member(self, user_id: str, conversation_id: str, member_id: str) -> None:
        """Removing oneself is leaving."""
        await self._submit(RemoveMember(conversation_id, user_id, member_id, self._now()))

    async def rename_group(self, user_id: str, conversation_id: str, title: str) -> None:
        validate_title(title)
        await self._submit(RenameGroup(conversation_id, user_id, title, self._now()))

    async def mark(self, user_id: str, conversation_id: str, kind: str, up_to_seq: int) -> None:
        """Reports a delivered or read watermark (``kind``: "delivered" or "read")."""
        if not await self._membership.is_member(conversation_id, user_id):
            raise ConversationNotFound("no such conversation")
        receipt = MarkRead if kind == "read" else MarkDelivered
        await self._submit(receipt(conversation_id, user_id, up_to_seq, self._now()))

    async def send(self, user_id: str, conversation_id: str, client_msg_id: str, body: str) -> int:
        """Returns the message id; the same one for a resend."""
        at = self._clock()
        await require_token(self._limiter, f"send:{user_id}", self._send_bucket, at)
        validate_text(body, "the body")
        if len(body.encode("utf-8")) > MAX_BODY_BYTES:
            raise TooLarge(f"a message body has at most {MAX_BODY_BYTES} bytes")
        validate_message(client_msg_id, body)
        if not is_storable_text(conversation_id) or not await self._membership.is_member(
            conversation_id, user_id
        ):
            raise ConversationNotFound("no such conversation")
        fresh_id = self._ids.next_id(int(at.timestamp() * 1000))
        claim_key = f"{conversation_id}|{user_id}|{client_msg_id}"
        message_id = await self._claims.claim(claim_key, fresh_id)
        # A resend is published again (the first may not have reached the log);
        # the processor keeps only one message per client_msg_id.
        command = SendMessage(
            conversation_id, user_id, client_msg_id, message_id, body, at.isoformat()
        )
        await self._submit(command)
        return message_id

    async def _submit(self, command: Command) -> None:
        record = OutgoingRecord(
            key=command.conversation_id,
            value=encode_command(command, self._cipher),
            headers={"command_type": type(command).__name__},
        )
        await self._publisher.publish(record)

    def _now(self) -> str:
        return self._clock().isoformat()
