"""The objects of PROTOCOL.md that clients read: a message and a
conversation, declared once as typed shapes. The read models, the pushes and
the HTTP answers build them here, and /openapi.json and the AsyncAPI
document take their schemas from them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from domain.conversation_events import MessagePosted

Status = Literal["sent", "delivered", "read"]
Kind = Literal["direct", "group"]
_DECODE_JSON = msgspec.json.Decoder()


MediaKind = Literal["image", "voice", "video", "file"]


class Media(msgspec.Struct, kw_only=True):
    """A media object (PROTOCOL.md, "Media"): the fields that do not apply are null."""

    media_id: str
    kind: MediaKind
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    duration_ms: int | None
    has_thumbnail: bool


class Reaction(msgspec.Struct):
    """Who reacted to a message with one emoji (in the order they did)."""

    emoji: str
    count: int
    user_ids: list[str]


class Quote(msgspec.Struct, kw_only=True):
    """The message a reply answers, as it is now: edited, or a tombstone
    (``deleted``, empty ``body``) once deleted."""

    seq: int
    message_id: str
    sender_id: str
    body: str
    edited: bool
    deleted: bool


class Message(msgspec.Struct, kw_only=True):
    """A message; the caller's own messages also carry their status.
    Edited: the last body, ``edited`` and ``edited_at``. Deleted: a
    tombstone (``deleted``, ``deleted_at``, empty ``body``, no reactions, no
    quote).
    ``change_seq``: the conversation's change that touched it last (0: none)."""

    conversation_id: str
    seq: int
    message_id: str
    sender_id: str
    body: str
    sent_at: str
    client_msg_id: str
    edited: bool = False
    edited_at: str | None = None
    deleted: bool = False
    deleted_at: str | None = None
    reactions: list[Reaction] = []
    reply_to: Quote | None = None
    change_seq: int = 0
    attachments: list[Media] = msgspec.field(default_factory=list)
    recipients: int | UnsetType = UNSET
    delivered_count: int | UnsetType = UNSET
    read_count: int | UnsetType = UNSET
    status: Status | UnsetType = UNSET


class MessageStatus(msgspec.Struct):
    """How far a message got, as its sender sees it (docs/protocol.md)."""

    recipients: int
    delivered_count: int
    read_count: int
    status: Status


class Member(msgspec.Struct):
    user_id: str
    role: str


class Conversation(msgspec.Struct, kw_only=True):
    conversation_id: str
    kind: Kind
    title: str | None
    member_ids: list[str]
    members: list[Member]
    last_seq: int
    unread_count: int
    last_message: Message | None
    updated_at: str
    last_change_seq: int = 0


def error_body(code: str, message: str) -> dict[str, Any]:
    """The body of every HTTP error answer: ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


def message_status(recipients: int, delivered: int, read: int) -> MessageStatus:
    """ "read" when every recipient read it, else "delivered" when every
    recipient has it, else "sent" (also when there is no recipient)."""
    status: Status = "sent"
    if recipients and read == recipients:
        status = "read"
    elif recipients and delivered == recipients:
        status = "delivered"
    return MessageStatus(recipients, delivered, read, status)


def message_object(
    *,
    conversation_id: str,
    seq: int,
    message_id: int | str,
    sender_id: str,
    body: str,
    sent_at: str,
    client_msg_id: str,
    status: MessageStatus | None = None,
    changes: MessageChanges | None = None,
    attachments: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The message object of PROTOCOL.md (with its status for its sender,
    and what edits, a deletion, reactions and a reply make of it)."""
    changes = changes or MessageChanges()
    deleted = changes.deleted_at is not None
    message = Message(
        conversation_id=conversation_id,
        seq=seq,
        message_id=str(message_id),
        sender_id=sender_id,
        body="" if deleted else body,
        sent_at=sent_at,
        client_msg_id=client_msg_id,
        edited=changes.edited_at is not None,
        edited_at=changes.edited_at,
        deleted=deleted,
        deleted_at=changes.deleted_at,
        reactions=[] if deleted else [Reaction(e, len(u), list(u)) for e, u in changes.reactions],
        reply_to=None
        if deleted or changes.reply_to is None
        else msgspec.convert(changes.reply_to, Quote),
        change_seq=changes.change_seq,
        attachments=[] if deleted else [msgspec.convert(a, Media) for a in attachments],
    )
    if status is not None:
        message.recipients = status.recipients
        message.delivered_count = status.delivered_count
        message.read_count = status.read_count
        message.status = status.status
    built: dict[str, Any] = msgspec.to_builtins(message)
    return built


@dataclass(frozen=True)
class MessageChanges:
    """What happened to a message since it was posted, as a read model keeps
    it: ``reactions`` are (emoji, user ids) in the order first used;
    ``reply_to`` is the quote object (wire Quote) of the original."""

    edited_at: str | None = None
    deleted_at: str | None = None
    reactions: Sequence[tuple[str, Sequence[str]]] = ()
    reply_to: Mapping[str, Any] | None = None
    change_seq: int = 0


def quote_object(
    *, seq: int, message_id: int | str, sender_id: str, body: str, edited: bool, deleted: bool
) -> dict[str, Any]:
    """The quote of a reply's original: no body once it is deleted."""
    quote = Quote(
        seq=seq,
        message_id=str(message_id),
        sender_id=sender_id,
        body="" if deleted else body,
        edited=edited,
        deleted=deleted,
    )
    built: dict[str, Any] = msgspec.to_builtins(quote)
    return built


def posted_message(event: MessagePosted) -> dict[str, Any]:
    """The message object of a MessagePosted event, as everyone sees it."""
    return message_object(
        conversation_id=str(event.originator_id),
        seq=event.seq,
        message_id=event.message_id,
        sender_id=event.sender,
        body=event.body,
        sent_at=event.sent_at,
        client_msg_id=event.client_msg_id,
        attachments=attachments_json(event),
    )


def attachments_json(event: MessagePosted) -> list[dict[str, Any]]:
    return [attachment.as_json() for attachment in event.attachments]


STATUS_FIELDS = ("recipients", "delivered_count", "read_count", "status")


def without_status(message: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The message as someone other than its sender sees it."""
    if message is None:
        return None
    return {key: value for key, value in message.items() if key not in STATUS_FIELDS}


def conversation_object(
    *,
    conversation_id: str,
    kind: str,
    title: str | None,
    members: Sequence[tuple[str, str]],
    last_seq: int,
    unread_count: int,
    last_message: Mapping[str, Any] | None,
    updated_at: str,
    last_change_seq: int = 0,
) -> dict[str, Any]:
    """The conversation object of PROTOCOL.md; ``members`` are (user id,
    role) pairs in the order clients see them."""
    built: dict[str, Any] = msgspec.to_builtins(
        Conversation(
            conversation_id=conversation_id,
            kind=msgspec.convert(kind, Kind),
            title=title,
            member_ids=[user_id for user_id, _ in members],
            members=[Member(user_id, role) for user_id, role in members],
            last_seq=last_seq,
            unread_count=unread_count,
            last_message=None if last_message is None else msgspec.convert(last_message, Message),
            updated_at=updated_at,
            last_change_seq=last_change_seq,
        )
    )
    return built


def decode_json(text: str | bytes) -> Any:
    """A JSON document from a client; ValueError if it is not one. Lone
    surrogates escaped in strings decode, so that the caller can refuse
    them by name (domain.rules.has_unstorable_text)."""
    try:
        return _DECODE_JSON.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except msgspec.DecodeError:
        pass  # msgspec refuses escaped lone surrogates: Python's decoder takes them
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
