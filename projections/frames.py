"""Every frame the server sends to a client (PROTOCOL.md, "WebSocket"),
declared once as a tagged shape and built here: the pushes of the
projections and the replies of the edge alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from domain.conversation import Conversation as ConversationAggregate
from domain.presence import OFFLINE, PresenceChanged
from domain.rejection import CommandRejected
from projections.wire import Conversation, Message, posted_message

FrameId = str | int
Frame = dict[str, Any]


class _Frame(msgspec.Struct, tag_field="type", kw_only=True):
    pass


class _Reply(_Frame):
    id: FrameId | UnsetType = UNSET


class MessagePush(Message, tag_field="type", tag="message", kw_only=True):
    """A message is posted (also to the sender's sockets), or replayed by sync."""


class MessageChangedPush(_Frame, tag="message_changed", kw_only=True):
    """A message was edited, deleted or reacted to (or, in a sync, was
    changed after the client's change cursor): the message as it is now.
    ``change_seq`` is gapless per conversation over such changes."""

    conversation_id: str
    change_seq: int
    message: Message


class ReceiptPush(_Frame, tag="receipt", kw_only=True):
    conversation_id: str
    user_id: str
    kind: Literal["delivered", "read"]
    up_to_seq: int


class PresencePush(_Frame, tag="presence", kw_only=True):
    user_id: str
    status: Literal["online", "offline"]
    last_seen: str | None


class TypingPush(_Frame, tag="typing", kw_only=True):
    conversation_id: str
    user_id: str


class ConversationPush(_Frame, tag="conversation", kw_only=True):
    conversation: Conversation


class RejectedPush(_Frame, tag="rejected", kw_only=True):
    conversation_id: str
    client_msg_id: str | None
    command: str
    code: str
    reason: str


class FriendPush(_Frame, tag="friend", kw_only=True):
    """The relation of the recipient to ``user_id`` changed; ``blocked``
    (added): whether the recipient has blocked ``user_id``."""

    user_id: str
    state: Literal["incoming", "outgoing", "friends", "none"]
    blocked: bool = False


class ReadyFrame(_Frame, tag="ready", kw_only=True):
    user_id: str
    session_id: str


class SentFrame(_Reply, tag="sent", kw_only=True):
    conversation_id: str
    client_msg_id: str
    message_id: str


class OkFrame(_Reply, tag="ok", kw_only=True):
    pass


class PongFrame(_Reply, tag="pong", kw_only=True):
    pass


class SyncedFrame(_Reply, tag="synced", kw_only=True):
    pass


class ErrorFrame(_Reply, tag="error", kw_only=True):
    code: str
    message: str
    retry_after_ms: int | UnsetType = UNSET


class ReconnectFrame(_Frame, tag="reconnect", kw_only=True):
    """The edge is draining: connect to ``ws_url`` (discovery without this
    edge) and ``sync``; the socket is closed with 1001 right after."""

    ws_url: str
    edge_id: str


SERVER_FRAMES: tuple[type[msgspec.Struct], ...] = (
    MessagePush,
    MessageChangedPush,
    ReceiptPush,
    PresencePush,
    TypingPush,
    ConversationPush,
    RejectedPush,
    FriendPush,
    ReadyFrame,
    SentFrame,
    OkFrame,
    PongFrame,
    SyncedFrame,
    ErrorFrame,
    ReconnectFrame,
)


_ENCODE = msgspec.json.Encoder()


def encode_frame(frame: Mapping[str, Any]) -> str:
    """A frame as the JSON text a socket sends (encoded once, sent to many)."""
    return _ENCODE.encode(frame).decode()


def _built(frame: msgspec.Struct) -> Frame:
    built: Frame = msgspec.to_builtins(frame)
    return built


def message_frame(message: Mapping[str, Any]) -> Frame:
    """A message object (wire.message_object) as a ``message`` frame."""
    return {"type": "message", **message}


def posted_frame(event: ConversationAggregate.MessagePosted) -> Frame:
    return message_frame(posted_message(event))


def message_changed_frame(change_seq: int, message: Mapping[str, Any]) -> Frame:
    """``change_seq``: of the change pushed (a sync sends the message's last)."""
    return _built(
        MessageChangedPush(
            conversation_id=message["conversation_id"],
            change_seq=change_seq,
            message=msgspec.convert(message, Message),
        )
    )


def receipt_frame(conversation_id: str, user_id: str, kind: str, up_to_seq: int) -> Frame:
    return _built(
        ReceiptPush(
            conversation_id=conversation_id,
            user_id=user_id,
            kind=msgspec.convert(kind, Literal["delivered", "read"]),
            up_to_seq=up_to_seq,
        )
    )


def presence_frame(change: PresenceChanged) -> Frame:
    return _built(
        PresencePush(
            user_id=change.user_id,
            status=msgspec.convert(change.status, Literal["online", "offline"]),
            last_seen=change.at if change.status == OFFLINE else None,
        )
    )


def typing_frame(conversation_id: str, user_id: str) -> Frame:
    return _built(TypingPush(conversation_id=conversation_id, user_id=user_id))


def conversation_frame(conversation: Mapping[str, Any]) -> Frame:
    return {"type": "conversation", "conversation": dict(conversation)}


def rejected_frame(event: CommandRejected) -> Frame:
    return _built(
        RejectedPush(
            conversation_id=str(event.originator_id),
            client_msg_id=event.client_msg_id,
            command=event.command_type,
            code=event.code,
            reason=event.reason,
        )
    )


def friend_frame(user_id: str, state: str, blocked: bool = False) -> Frame:
    relation = msgspec.convert(state, Literal["incoming", "outgoing", "friends", "none"])
    return _built(FriendPush(user_id=user_id, state=relation, blocked=blocked))


def ready_frame(user_id: str, session_id: str) -> Frame:
    return _built(ReadyFrame(user_id=user_id, session_id=session_id))


def reconnect_frame(ws_url: str, edge_id: str) -> Frame:
    return _built(ReconnectFrame(ws_url=ws_url, edge_id=edge_id))


def sent_frame(
    frame_id: FrameId | None, conversation_id: str, client_msg_id: str, message_id: int
) -> Frame:
    return _built(
        SentFrame(
            id=_id(frame_id),
            conversation_id=conversation_id,
            client_msg_id=client_msg_id,
            message_id=str(message_id),
        )
    )


def ok_frame(frame_id: FrameId | None) -> Frame:
    return _built(OkFrame(id=_id(frame_id)))


def pong_frame(frame_id: FrameId | None) -> Frame:
    return _built(PongFrame(id=_id(frame_id)))


def synced_frame(frame_id: FrameId | None) -> Frame:
    return _built(SyncedFrame(id=_id(frame_id)))


def error_frame(
    code: str, message: str, frame_id: FrameId | None = None, retry_after_ms: int | None = None
) -> Frame:
    """An error for a bad frame: the socket stays open. A frame that is not
    valid JSON has no ``id``."""
    return _built(
        ErrorFrame(
            id=_id(frame_id),
            code=code,
            message=message,
            retry_after_ms=UNSET if retry_after_ms is None else retry_after_ms,
        )
    )


def _id(frame_id: FrameId | None) -> FrameId | UnsetType:
    return UNSET if frame_id is None else frame_id
