"""The frames a client sends (PROTOCOL.md, "Client frames"), declared once
as tagged shapes: parsing validates them, and the AsyncAPI document takes
their schemas from them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from domain.rules import MAX_SEQ, has_unstorable_text
from projections.wire import decode_json

MAX_SYNC_CONVERSATIONS = 1000

Seq = Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]
MessageSeq = Annotated[int, msgspec.Meta(ge=1, le=MAX_SEQ)]
Text = Annotated[str, msgspec.Meta(min_length=1)]
FrameId = str | int


class BadFrame(Exception):
    """A frame that cannot be done; the socket answers ``error`` and stays open."""

    def __init__(
        self,
        message: str,
        frame_id: FrameId | None = None,
        code: str = "bad_request",
        retry_after_ms: int | None = None,
    ) -> None:
        super().__init__(message)
        self.frame_id = frame_id
        self.code = code
        self.retry_after_ms = retry_after_ms


class _ClientFrame(msgspec.Struct, tag_field="type", kw_only=True):
    id: FrameId | None = None


class AuthFrame(_ClientFrame, tag="auth", kw_only=True):
    token: str


class AttachmentRef(msgspec.Struct, kw_only=True):
    media_id: Text


class SendFrame(_ClientFrame, tag="send", kw_only=True):
    conversation_id: Text
    client_msg_id: Text
    body: str
    attachments: list[AttachmentRef] = msgspec.field(default_factory=list)
    reply_to: MessageSeq | None = None


class EditFrame(_ClientFrame, tag="edit", kw_only=True):
    conversation_id: Text
    seq: MessageSeq
    body: str


class DeleteFrame(_ClientFrame, tag="delete", kw_only=True):
    conversation_id: Text
    seq: MessageSeq


class ReactFrame(_ClientFrame, tag="react", kw_only=True):
    conversation_id: Text
    seq: MessageSeq
    emoji: str


class UnreactFrame(_ClientFrame, tag="unreact", kw_only=True):
    conversation_id: Text
    seq: MessageSeq
    emoji: str


class DeliveredFrame(_ClientFrame, tag="delivered", kw_only=True):
    conversation_id: Text
    up_to_seq: Seq


class ReadFrame(_ClientFrame, tag="read", kw_only=True):
    conversation_id: Text
    up_to_seq: Seq


class TypingFrame(_ClientFrame, tag="typing", kw_only=True):
    conversation_id: Text


class SyncFrame(_ClientFrame, tag="sync", kw_only=True):
    cursors: Annotated[dict[str, Seq], msgspec.Meta(max_length=MAX_SYNC_CONVERSATIONS)]
    # The last change_seq seen per conversation: every message changed since
    # comes as message_changed (docs/protocol.md). Absent: no changes replayed.
    changes: Annotated[dict[str, Seq], msgspec.Meta(max_length=MAX_SYNC_CONVERSATIONS)] = {}


class PingFrame(_ClientFrame, tag="ping", kw_only=True):
    pass


ClientFrame = (
    SendFrame
    | DeliveredFrame
    | ReadFrame
    | TypingFrame
    | SyncFrame
    | PingFrame
    | EditFrame
    | DeleteFrame
    | ReactFrame
    | UnreactFrame
)
CLIENT_FRAMES: tuple[type[msgspec.Struct], ...] = (AuthFrame, *ClientFrame.__args__)


def parse_frame(text: str) -> ClientFrame:
    """A frame of an authenticated socket."""
    frame: ClientFrame = _convert(text, ClientFrame)
    return frame


def parse_auth(text: str) -> AuthFrame:
    frame: AuthFrame = _convert(text, AuthFrame)
    return frame


def _convert(text: str, shape: Any) -> Any:
    try:
        body = decode_json(text)
    except ValueError:
        raise BadFrame("the frame is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadFrame("a frame is a JSON object")
    frame_id = _lenient_id(body.get("id"))
    if has_unstorable_text(body):
        raise BadFrame("a frame's strings cannot hold NUL or lone surrogates", frame_id)
    body["id"] = frame_id
    try:
        return msgspec.convert(body, shape)
    except msgspec.ValidationError as error:
        raise BadFrame(str(error), frame_id) from None


def _lenient_id(value: object) -> FrameId | None:
    """An ``id`` of another type is ignored (the reply carries none)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return value
