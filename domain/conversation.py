"""The Conversation aggregate: membership, gapless sequence, dedupe, hash chain."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from eventsourcing.domain import Aggregate

from domain.errors import ConversationExists, InvalidCommand, NotAMember
from domain.hashchain import GENESIS_HASH, link_hash

DIRECT = "direct"
GROUP = "group"
ADMIN = "admin"
MEMBER = "member"

MAX_BODY_BYTES = 16 * 1024
MAX_CLIENT_MSG_ID_LENGTH = 128
DEDUPE_WINDOW_PER_SENDER = 1000
DEFAULT_MAX_GROUP_SIZE = 1000

_DIRECT_NAMESPACE = uuid.UUID("6f1c3c1e-5d0b-4c4e-9a59-2f0c8c3c1d11")
_NOT_CHAINED = frozenset({"timestamp", "originator_topic", "prev_hash", "hash"})


def direct_conversation_id(user_a: str, user_b: str) -> uuid.UUID:
    """The one id of the direct conversation between two users, in either order."""
    first, second = sorted((user_a, user_b))
    return uuid.uuid5(_DIRECT_NAMESPACE, f"direct:{first}|{second}")


def chain_payload(
    event_type: str, conversation_id: str, version: int, state: Mapping[str, Any]
) -> dict[str, Any]:
    """The part of an event that the hash chain covers."""
    fields = {k: v for k, v in state.items() if k not in _NOT_CHAINED}
    fields.pop("originator_id", None)
    fields.pop("originator_version", None)
    return {
        "type": event_type,
        "conversation_id": conversation_id,
        "version": version,
        "fields": fields,
    }


@dataclass(frozen=True)
class PostedMessage:
    """What a (possibly repeated) send resolves to."""

    message_id: int
    seq: int
    is_new: bool


class Conversation(Aggregate):
    """A direct or group conversation, decided one command at a time."""

    class Started(Aggregate.Created):
        kind: str
        title: str | None
        members: dict[str, str]
        started_by: str
        started_at: str
        prev_hash: str
        hash: str

    class MessagePosted(Aggregate.Event):
        seq: int
        message_id: int
        sender: str
        body: str
        client_msg_id: str
        sent_at: str
        prev_hash: str
        hash: str

        def apply(self, aggregate: Aggregate) -> None:
            cast(Conversation, aggregate).apply_message_posted(self)

    def __init__(
        self,
        kind: str,
        title: str | None,
        members: dict[str, str],
        started_by: str,
        started_at: str,
        prev_hash: str,
        hash: str,
    ) -> None:
        self.kind = kind
        self.title = title
        self.members: dict[str, str] = dict(members)
        self.started_by = started_by
        self.last_seq = 0
        self.last_hash = hash
        self.recent_client_ids: dict[str, dict[str, tuple[int, int]]] = {}

    # -- creation ---------------------------------------------------------

    @classmethod
    def start_direct(cls, user_id: str, peer_id: str, at: datetime) -> Conversation:
        if user_id == peer_id:
            raise InvalidCommand("a direct conversation needs two different users")
        members = {user_id: MEMBER, peer_id: MEMBER}
        conversation_id = direct_conversation_id(user_id, peer_id)
        return cls._start(conversation_id, DIRECT, None, members, user_id, at)

    @classmethod
    def create_group(
        cls,
        conversation_id: uuid.UUID,
        creator: str,
        title: str,
        member_ids: list[str],
        at: datetime,
        max_members: int = DEFAULT_MAX_GROUP_SIZE,
    ) -> Conversation:
        title = title.strip()
        if not title or len(title) > 200:
            raise InvalidCommand("a group title has 1 to 200 characters")
        members = {user: MEMBER for user in member_ids if user != creator}
        members[creator] = ADMIN
        if len(members) > max_members:
            raise InvalidCommand(f"a group has at most {max_members} members")
        return cls._start(conversation_id, GROUP, title, members, creator, at)

    @classmethod
    def _start(
        cls,
        conversation_id: uuid.UUID,
        kind: str,
        title: str | None,
        members: dict[str, str],
        started_by: str,
        at: datetime,
    ) -> Conversation:
        fields: dict[str, Any] = {
            "kind": kind,
            "title": title,
            "members": members,
            "started_by": started_by,
            "started_at": at.isoformat(),
        }
        payload = chain_payload("Started", str(conversation_id), cls.INITIAL_VERSION, fields)
        return cls._create(
            cls.Started,
            id=conversation_id,
            timestamp=at,
            prev_hash=GENESIS_HASH,
            hash=link_hash(GENESIS_HASH, payload),
            **fields,
        )

    @staticmethod
    def refuse_restart(conversation_id: uuid.UUID) -> None:
        raise ConversationExists(f"conversation {conversation_id} exists already")

    # -- messages ---------------------------------------------------------

    def post_message(
        self,
        sender: str,
        client_msg_id: str,
        message_id: int,
        body: str,
        at: datetime,
    ) -> PostedMessage:
        """Posts a message, or finds the one this sender already posted under
        the same client message id (then nothing new happens)."""
        self.require_member(sender)
        earlier = self.recent_client_ids.get(sender, {}).get(client_msg_id)
        if earlier is not None:
            return PostedMessage(message_id=earlier[0], seq=earlier[1], is_new=False)
        validate_message(client_msg_id, body)
        fields: dict[str, Any] = {
            "seq": self.last_seq + 1,
            "message_id": message_id,
            "sender": sender,
            "body": body,
            "client_msg_id": client_msg_id,
            "sent_at": at.isoformat(),
        }
        self._trigger_chained(self.MessagePosted, at, fields)
        return PostedMessage(message_id=message_id, seq=self.last_seq, is_new=True)

    def apply_message_posted(self, event: MessagePosted) -> None:
        self.last_seq = event.seq
        self.last_hash = event.hash
        window = self.recent_client_ids.setdefault(event.sender, {})
        window[event.client_msg_id] = (event.message_id, event.seq)
        if len(window) > DEDUPE_WINDOW_PER_SENDER:
            del window[next(iter(window))]

    # -- rules ------------------------------------------------------------

    def is_member(self, user_id: str) -> bool:
        return user_id in self.members

    def require_member(self, user_id: str) -> None:
        if user_id not in self.members:
            raise NotAMember(f"{user_id} is not in conversation {self.id}")

    def _trigger_chained(
        self, event_class: type[Aggregate.Event], at: datetime, fields: dict[str, Any]
    ) -> None:
        payload = chain_payload(event_class.__name__, str(self.id), self.version + 1, fields)
        self.trigger_event(
            event_class,
            timestamp=at,
            prev_hash=self.last_hash,
            hash=link_hash(self.last_hash, payload),
            **fields,
        )


def validate_message(client_msg_id: str, body: str) -> None:
    if not client_msg_id or len(client_msg_id) > MAX_CLIENT_MSG_ID_LENGTH:
        raise InvalidCommand(f"client_msg_id has 1 to {MAX_CLIENT_MSG_ID_LENGTH} characters")
    if not body:
        raise InvalidCommand("a message body cannot be empty")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise InvalidCommand(f"a message body has at most {MAX_BODY_BYTES} bytes")
