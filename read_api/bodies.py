"""The HTTP API's request and answer bodies (PROTOCOL.md), declared once:
decoding validates the requests, the answers are encoded from them, and
/openapi.json takes every schema from them. The rules on the values
(handle, password, title, body size) live with the code that enforces them;
here they only document the schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from commands.accounts import HANDLE_PATTERN, MAX_DISPLAY_NAME, MAX_PASSWORD, MIN_PASSWORD
from domain.rules import MAX_SEQ, MAX_TITLE_LENGTH
from projections.wire import Conversation, Message

MAX_ADDED_AT_ONCE = 1000

Seq = Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]
MessageSeq = Annotated[int, msgspec.Meta(ge=1, le=MAX_SEQ)]
Handle = Annotated[str, msgspec.Meta(extra_json_schema={"pattern": HANDLE_PATTERN.pattern})]
Password = Annotated[
    str, msgspec.Meta(extra_json_schema={"minLength": MIN_PASSWORD, "maxLength": MAX_PASSWORD})
]
DisplayName = Annotated[str, msgspec.Meta(extra_json_schema={"maxLength": MAX_DISPLAY_NAME})]
Title = Annotated[
    str, msgspec.Meta(extra_json_schema={"minLength": 1, "maxLength": MAX_TITLE_LENGTH})
]


class _Body(msgspec.Struct, kw_only=True):
    pass


# -- requests ------------------------------------------------------------------


class Registration(_Body):
    handle: Handle
    password: Password
    display_name: DisplayName | None = None


class Login(_Body):
    handle: str
    password: str


class NewDirect(_Body, tag_field="kind", tag="direct"):
    peer_id: str


class NewGroup(_Body, tag_field="kind", tag="group"):
    title: Title
    member_ids: list[str] = msgspec.field(default_factory=list)


NewConversation = NewDirect | NewGroup


class NewMembers(_Body):
    user_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_ADDED_AT_ONCE)]


class Rename(_Body):
    title: Title


class AttachmentRef(_Body):
    media_id: str


class NewMessage(_Body):
    client_msg_id: str
    body: str
    attachments: list[AttachmentRef] = msgspec.field(default_factory=list)
    reply_to: MessageSeq | None = None


# -- answers -------------------------------------------------------------------


class UserCreated(_Body):
    user_id: str


class SessionCreated(_Body):
    token: str
    user_id: str
    session_id: str
    expires_at: str


class UserFound(_Body):
    user_id: str
    handle: str
    display_name: str


class ConversationCreated(_Body):
    conversation_id: str


class Accepted(_Body):
    status: Literal["accepted"] = "accepted"


class MessageAccepted(_Body):
    message_id: str


class Inbox(_Body):
    conversations: list[Conversation]


class MessagePage(_Body):
    messages: list[Message]
    last_seq: Seq


class HighlightPart(_Body):
    text: str
    match: bool


class SearchResult(_Body):
    message: Message
    highlight: list[HighlightPart]
    """The message's body in parts; joined they are the body, ``match``
    marks the words that matched."""


class SearchAnswer(_Body):
    results: list[SearchResult]
    next: str | None
    """Pass as ``before`` for the next page; null after the last."""


class Watermarks(_Body):
    user_id: str
    delivered_seq: Seq
    read_seq: Seq


class Receipts(_Body):
    members: list[Watermarks]


class Presence(_Body):
    user_id: str
    status: Literal["online", "offline"]
    last_seen: str | None


class ErrorDetail(_Body):
    code: str
    message: str


class Error(_Body):
    error: ErrorDetail


# -- devices and push notifications (PROTOCOL.md v1.1) --------------------------


class SubscriptionKeys(_Body):
    p256dh: str
    auth: str


class NewWebPushDevice(_Body, tag_field="kind", tag="webpush"):
    """A browser's ``PushSubscription`` (its JSON, with ``kind`` added)."""

    endpoint: str
    keys: SubscriptionKeys


class NewGatewayDevice(_Body, tag_field="kind", tag="gateway"):
    app_id: str
    pushkey: str


NewDevice = NewWebPushDevice | NewGatewayDevice


class DeviceCreated(_Body):
    device_id: str


class DeviceInfo(_Body):
    device_id: str
    kind: Literal["webpush", "gateway"]
    endpoint: str | None
    app_id: str | None
    pushkey: str | None
    created_at: str


class DeviceList(_Body):
    devices: list[DeviceInfo]


class VapidKey(_Body):
    key: str


class MuteSetting(_Body):
    muted: bool


class NotificationDecision(_Body):
    message_id: str
    conversation_id: str
    seq: Seq
    device_id: str | None
    decision: Literal["sent", "skipped", "collapsed", "failed", "rejected", "pending"]
    reason: str | None
    at: str


class Decisions(_Body):
    decisions: list[NotificationDecision]


# -- friends, blocking, directory (PROTOCOL.md v1.1) ----------------------------


class OtherUser(_Body):
    """The user a friend request or a block is about."""

    user_id: str


class DirectoryUser(_Body):
    user_id: str
    handle: str
    display_name: str


class RequestedUser(DirectoryUser):
    requested_at: str


class FriendRequests(_Body):
    incoming: list[RequestedUser]
    outgoing: list[RequestedUser]


class Friend(DirectoryUser):
    status: Literal["online", "offline"]
    last_seen: str | None
    last_chat_at: str | None
    conversation_id: str | None


class FriendList(_Body):
    friends: list[Friend]


class BlockedUser(DirectoryUser):
    blocked_at: str


class BlockList(_Body):
    blocks: list[BlockedUser]


class UserList(_Body):
    users: list[DirectoryUser]


class SuggestedUser(DirectoryUser):
    mutual_friends: int


class Suggestions(_Body):
    users: list[SuggestedUser]


# -- auditing (PROTOCOL.md "Auditing") ----------------------------------------


class AuditEvent(_Body):
    position: int
    type: str
    version: int
    schema_version: int
    at: str
    data: dict[str, Any]
    prev_hash: str | None
    hash: str | None


class AuditEvents(_Body):
    events: list[AuditEvent]
    next: int | None


class BadLink(_Body):
    position: int
    problem: Literal["altered", "broken", "reordered", "missing"]
    detail: str


class AuditVerification(_Body):
    intact: bool
    events: int
    first_bad: BadLink | None


# -- discovery (PROTOCOL.md "Discovery") --------------------------------------


class EdgeAnswer(_Body):
    ws_url: str
    edge_id: str
