"""Commands: what the edge accepted on behalf of an authenticated user."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Cipher

from commands.relationship_commands import RELATIONSHIP_COMMANDS, RelationshipCommand
from domain.attachments import Attachment


class MalformedCommand(ValueError):
    """A record on chat.commands that is not a command this code knows."""


@dataclass(frozen=True)
class StartDirect:
    conversation_id: str
    user_id: str
    peer_id: str
    issued_at: str


@dataclass(frozen=True)
class CreateGroup:
    conversation_id: str
    user_id: str
    title: str
    member_ids: tuple[str, ...]
    issued_at: str


@dataclass(frozen=True)
class SendMessage:
    conversation_id: str
    user_id: str
    client_msg_id: str
    message_id: int
    body: str
    issued_at: str
    attachments: tuple[Attachment, ...] = ()
    reply_to: int | None = None


@dataclass(frozen=True)
class EditMessage:
    conversation_id: str
    user_id: str
    seq: int
    body: str
    issued_at: str


@dataclass(frozen=True)
class DeleteMessage:
    conversation_id: str
    user_id: str
    seq: int
    issued_at: str


@dataclass(frozen=True)
class React:
    conversation_id: str
    user_id: str
    seq: int
    emoji: str
    issued_at: str


@dataclass(frozen=True)
class Unreact:
    conversation_id: str
    user_id: str
    seq: int
    emoji: str
    issued_at: str


@dataclass(frozen=True)
class AddMembers:
    conversation_id: str
    user_id: str
    member_ids: tuple[str, ...]
    issued_at: str


@dataclass(frozen=True)
class RemoveMember:
    """Removes ``member_id``; when it is the actor itself, the actor leaves."""

    conversation_id: str
    user_id: str
    member_id: str
    issued_at: str


@dataclass(frozen=True)
class RenameGroup:
    conversation_id: str
    user_id: str
    title: str
    issued_at: str


@dataclass(frozen=True)
class MarkDelivered:
    conversation_id: str
    user_id: str
    up_to_seq: int
    issued_at: str


@dataclass(frozen=True)
class MarkRead:
    conversation_id: str
    user_id: str
    up_to_seq: int
    issued_at: str


@dataclass(frozen=True)
class GrantAuditor:
    """An operator gives ``user_id`` the auditor role (``chatapp grant-auditor``)."""

    auditor_id: str  # domain.auditor.auditor_stream_id(user_id): the record key
    user_id: str
    by: str
    issued_at: str


@dataclass(frozen=True)
class RevokeAuditor:
    auditor_id: str
    user_id: str
    by: str
    issued_at: str


@dataclass(frozen=True)
class RecordAuditRead:
    """The edge served an auditor a read of a conversation (see domain.auditor)."""

    auditor_id: str
    user_id: str
    conversation_id: str
    read: str
    after: int | None
    limit: int | None
    issued_at: str


AuditCommand = GrantAuditor | RevokeAuditor | RecordAuditRead

Command = (
    StartDirect
    | CreateGroup
    | SendMessage
    | AddMembers
    | RemoveMember
    | RenameGroup
    | MarkDelivered
    | MarkRead
    | RelationshipCommand
    | EditMessage
    | DeleteMessage
    | React
    | Unreact
)
AnyCommand = Command | AuditCommand
COMMAND_TYPES: dict[str, type[AnyCommand]] = {
    command.__name__: command
    for command in (
        GrantAuditor,
        RevokeAuditor,
        RecordAuditRead,
        StartDirect,
        CreateGroup,
        SendMessage,
        AddMembers,
        RemoveMember,
        RenameGroup,
        MarkDelivered,
        MarkRead,
        *RELATIONSHIP_COMMANDS,
        EditMessage,
        DeleteMessage,
        React,
        Unreact,
    )
}


def issued_time(command: AnyCommand) -> datetime:
    return datetime.fromisoformat(command.issued_at)


def encode_command(command: AnyCommand, cipher: Cipher | None = None) -> bytes:
    """JSON; encrypted when a cipher is given (then bodies are unreadable on the log)."""
    body: dict[str, Any] = {"type": type(command).__name__, **asdict(command)}
    value = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return cipher.encrypt(value) if cipher else value


def decode_command(value: bytes, cipher: Cipher | None = None) -> AnyCommand:
    try:
        body = json.loads(cipher.decrypt(value) if cipher else value)
        command_class = COMMAND_TYPES[body.pop("type")]
        if "member_ids" in body:
            body["member_ids"] = tuple(body["member_ids"])
        if "attachments" in body:
            body["attachments"] = tuple(Attachment.from_json(a) for a in body["attachments"])
        return command_class(**body)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise MalformedCommand(str(error)) from error
