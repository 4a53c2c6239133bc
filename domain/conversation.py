"""The Conversation aggregate: membership, gapless sequence, dedupe, hash chain.

Command methods check the rules (domain.membership_rules, domain.rules)
and trigger events; each event applies itself (domain.conversation_events).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, TypeGuard

from eventsourcing.domain import Aggregate

from domain import conversation_events as events
from domain import membership_rules as rules
from domain.attachments import Attachment
from domain.errors import ConversationNotFound
from domain.hashchain import GENESIS_HASH, chain_payload, link_hash
from domain.membership_rules import ADMIN, DEFAULT_MAX_GROUP_SIZE, DIRECT, GROUP, MEMBER
from domain.message_changes import MessageChanges
from domain.rules import validate_message, validate_title

_DIRECT_NAMESPACE = uuid.UUID("6f1c3c1e-5d0b-4c4e-9a59-2f0c8c3c1d11")


def is_conversation_event(event: object) -> TypeGuard[Aggregate.Event]:
    """Events that change a Conversation (not CommandRejected and the like)."""
    return isinstance(event, Aggregate.Event)


def direct_conversation_id(user_a: str, user_b: str) -> uuid.UUID:
    """The one id of the direct conversation between two users, in either order."""
    first, second = sorted((user_a, user_b))
    return uuid.uuid5(_DIRECT_NAMESPACE, f"direct:{first}|{second}")


@dataclass(frozen=True)
class PostedMessage:
    """What a (possibly repeated) send resolves to."""

    message_id: int
    seq: int
    is_new: bool


class Conversation(MessageChanges, Aggregate):
    """A direct or group conversation, decided one command at a time."""

    Started: TypeAlias = events.Started
    MessagePosted: TypeAlias = events.MessagePosted
    MembersAdded: TypeAlias = events.MembersAdded
    MemberRemoved: TypeAlias = events.MemberRemoved
    MemberLeft: TypeAlias = events.MemberLeft
    GroupRenamed: TypeAlias = events.GroupRenamed
    MessagesDelivered: TypeAlias = events.MessagesDelivered
    MessagesRead: TypeAlias = events.MessagesRead
    ReplyPosted: TypeAlias = events.ReplyPosted
    MessageChange: TypeAlias = events.MessageChange
    MessageEdited: TypeAlias = events.MessageEdited
    MessageDeleted: TypeAlias = events.MessageDeleted
    ReactionAdded: TypeAlias = events.ReactionAdded
    ReactionRemoved: TypeAlias = events.ReactionRemoved

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
        self.delivered: dict[str, int] = dict.fromkeys(members, 0)
        self.read: dict[str, int] = dict.fromkeys(members, 0)
        # Of every message: its sender (index seq - 1), the deleted ones
        # (seq -> who deleted it) and the reactions (seq -> emoji -> users).
        self.senders: list[str] = []
        self.deleted: dict[int, str] = {}
        self.reactions: dict[int, dict[str, list[str]]] = {}
        self.last_change_seq = 0

    # -- creation ---------------------------------------------------------

    @classmethod
    def start_direct(cls, user_id: str, peer_id: str, at: datetime) -> Conversation:
        rules.require_two_users(user_id, peer_id)
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
        title = validate_title(title)
        members = {user: MEMBER for user in member_ids if user != creator}
        members[creator] = ADMIN
        rules.require_room(len(members), max_members)
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

    # -- messages ---------------------------------------------------------

    def post_message(
        self,
        sender: str,
        client_msg_id: str,
        message_id: int,
        body: str,
        at: datetime,
        attachments: tuple[Attachment, ...] = (),
        reply_to: int | None = None,
    ) -> PostedMessage:
        """Posts a message (a reply when ``reply_to`` names a message the
        sender can read), or finds the one this sender already posted under
        the same client message id (then nothing new happens)."""
        rules.require_member(self.members, sender)
        earlier = self.recent_client_ids.get(sender, {}).get(client_msg_id)
        if earlier is not None:
            return PostedMessage(message_id=earlier[0], seq=earlier[1], is_new=False)
        validate_message(client_msg_id, body, len(attachments))
        if reply_to is not None:
            self.require_replyable(sender, reply_to)
        fields: dict[str, Any] = {
            "seq": self.last_seq + 1,
            "message_id": message_id,
            "sender": sender,
            "body": body,
            "client_msg_id": client_msg_id,
            "sent_at": at.isoformat(),
            "attachments": tuple(attachments),
        }
        if reply_to is None:
            self._trigger_chained(self.MessagePosted, at, fields)
        else:
            self._trigger_chained(self.ReplyPosted, at, {**fields, "reply_to": reply_to})
        return PostedMessage(message_id=message_id, seq=self.last_seq, is_new=True)

    # -- receipts ---------------------------------------------------------

    def mark_delivered(self, user_id: str, up_to_seq: int, at: datetime) -> bool:
        """Moves the member's delivered watermark forward; False if it would
        not move (an old or repeated report changes nothing)."""
        rules.require_member(self.members, user_id)
        up_to_seq = min(up_to_seq, self.last_seq)
        if up_to_seq <= self.delivered[user_id]:
            return False
        fields = {"user_id": user_id, "up_to_seq": up_to_seq}
        self._trigger_chained(self.MessagesDelivered, at, fields)
        return True

    def mark_read(self, user_id: str, up_to_seq: int, at: datetime) -> bool:
        """Moves the member's read watermark forward (read implies delivered)."""
        rules.require_member(self.members, user_id)
        up_to_seq = min(up_to_seq, self.last_seq)
        if up_to_seq <= self.read[user_id]:
            return False
        self._trigger_chained(self.MessagesRead, at, {"user_id": user_id, "up_to_seq": up_to_seq})
        return True

    # -- group membership -------------------------------------------------

    def add_members(
        self, actor: str, user_ids: list[str], at: datetime, max_members: int
    ) -> list[str]:
        """Adds who is not in yet; returns them (nothing happens if none)."""
        rules.require_admin(self.kind, self.members, actor)
        new = [user for user in dict.fromkeys(user_ids) if user not in self.members]
        rules.require_room(len(self.members) + len(new), max_members)
        if new:
            fields = {"user_ids": new, "added_by": actor, "at_seq": self.last_seq}
            self._trigger_chained(self.MembersAdded, at, fields)
        return new

    def remove_member(self, actor: str, user_id: str, at: datetime) -> None:
        """Removing oneself is leaving."""
        if actor == user_id:
            self.leave(actor, at)
            return
        rules.require_admin(self.kind, self.members, actor)
        if user_id not in self.members:
            raise ConversationNotFound(f"{user_id} is not in this group")
        self._trigger_chained(self.MemberRemoved, at, {"user_id": user_id, "removed_by": actor})

    def leave(self, actor: str, at: datetime) -> None:
        """When the last admin leaves, the longest-standing member becomes admin."""
        rules.require_can_leave(self.kind, self.members, actor)
        remaining = [user for user in self.members if user != actor]
        admins_left = [user for user in remaining if self.members[user] == ADMIN]
        new_admin = remaining[0] if remaining and not admins_left else None
        self._trigger_chained(self.MemberLeft, at, {"user_id": actor, "new_admin": new_admin})

    def rename(self, actor: str, title: str, at: datetime) -> None:
        rules.require_admin(self.kind, self.members, actor)
        title = validate_title(title)
        if title != self.title:
            self._trigger_chained(self.GroupRenamed, at, {"title": title, "renamed_by": actor})

    def require_member(self, user_id: str) -> None:
        rules.require_member(self.members, user_id)

    def _trigger_chained(
        self, event_class: type[Any], at: datetime, fields: dict[str, Any]
    ) -> None:
        payload = chain_payload(event_class.__name__, str(self.id), self.version + 1, fields)
        self.trigger_event(
            event_class,
            timestamp=at,
            prev_hash=self.last_hash,
            hash=link_hash(self.last_hash, payload),
            **fields,
        )
