"""One conversation's read-model state in memory: members with roles and
watermarks, messages by seq, and the conversation object of PROTOCOL.md as
a given user sees it (their own messages with their status). Not
thread-safe: InMemoryChatView holds the lock."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from domain.conversation import Conversation
from projections.wire import (
    MessageChanges,
    conversation_object,
    message_object,
    message_status,
    quote_object,
)


def event_time(text: str) -> datetime:
    """An event's ISO 8601 time as an aware UTC datetime (naive means UTC)."""
    return utc(datetime.fromisoformat(text))


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _seq(message: Mapping[str, Any]) -> int:
    seq: int = message["seq"]
    return seq


@dataclass
class MemberState:
    role: str
    delivered_seq: int = 0
    read_seq: int = 0


@dataclass
class ConversationState:
    conversation_id: str
    kind: str
    title: str | None
    started_by: str
    created_at: datetime
    members: dict[str, MemberState]
    updated_at: datetime
    last_seq: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)  # ascending seq
    # What happened to messages since: by seq.
    replies: dict[int, int] = field(default_factory=dict)  # reply -> original
    edited_at: dict[int, str] = field(default_factory=dict)
    deleted_at: dict[int, str] = field(default_factory=dict)
    reactions: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    change_seqs: dict[int, int] = field(default_factory=dict)
    last_change_seq: int = 0

    @classmethod
    def started(cls, event: Conversation.Started) -> ConversationState:
        started_at = event_time(event.started_at)
        return cls(
            conversation_id=str(event.originator_id),
            kind=event.kind,
            title=event.title,
            started_by=event.started_by,
            created_at=started_at,
            members={user_id: MemberState(role) for user_id, role in event.members.items()},
            updated_at=started_at,
        )

    def add_message(self, message: dict[str, Any], sent_at: datetime) -> None:
        """Stores the message once; ``updated_at`` never goes back."""
        seq = _seq(message)
        index = bisect.bisect_left(self.messages, seq, key=_seq)
        if index < len(self.messages) and _seq(self.messages[index]) == seq:
            return
        self.messages.insert(index, message)
        if seq > self.last_seq:
            self.last_seq = seq
            self.touch(sent_at)

    def find(self, seq: int) -> dict[str, Any] | None:
        index = bisect.bisect_left(self.messages, seq, key=_seq)
        if index < len(self.messages) and _seq(self.messages[index]) == seq:
            return self.messages[index]
        return None

    def changed(self, seq: int, change_seq: int) -> dict[str, Any] | None:
        """Records change ``change_seq`` of message ``seq``; the stored
        message to change, or None (unknown message, or a change already
        applied)."""
        message = self.find(seq)
        if message is None or change_seq <= self.last_change_seq:
            return None
        self.last_change_seq = change_seq
        self.change_seqs[seq] = change_seq
        return message

    def edit(self, seq: int, change_seq: int, body: str, at: str) -> bool:
        message = self.changed(seq, change_seq)
        if message is None:
            return False
        message["body"] = body
        self.edited_at[seq] = at
        return True

    def delete(self, seq: int, change_seq: int, at: str) -> bool:
        """The body is dropped from the read model: only the tombstone stays."""
        message = self.changed(seq, change_seq)
        if message is None:
            return False
        message["body"] = ""
        message["attachments"] = []
        self.deleted_at[seq] = at
        self.reactions.pop(seq, None)
        return True

    def react(self, seq: int, change_seq: int, user_id: str, emoji: str, add: bool) -> bool:
        if self.changed(seq, change_seq) is None:
            return False
        users = self.reactions.setdefault(seq, {}).setdefault(emoji, [])
        if add and user_id not in users:
            users.append(user_id)
        elif not add and user_id in users:
            users.remove(user_id)
        if not users:
            del self.reactions[seq][emoji]
        if not self.reactions[seq]:
            del self.reactions[seq]
        return True

    def quote(self, seq: int) -> dict[str, Any] | None:
        original = self.find(seq)
        if original is None:
            return None
        return quote_object(
            seq=seq,
            message_id=original["message_id"],
            sender_id=original["sender_id"],
            body=original["body"],
            edited=seq in self.edited_at,
            deleted=seq in self.deleted_at,
        )

    def current(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """The stored message with what happened to it since."""
        seq = _seq(message)
        reply_to = self.replies.get(seq)
        changes = MessageChanges(
            edited_at=self.edited_at.get(seq),
            deleted_at=self.deleted_at.get(seq),
            reactions=list(self.reactions.get(seq, {}).items()),
            reply_to=None if reply_to is None else self.quote(reply_to),
            change_seq=self.change_seqs.get(seq, 0),
        )
        return message_object(
            conversation_id=message["conversation_id"],
            seq=seq,
            message_id=message["message_id"],
            sender_id=message["sender_id"],
            body=message["body"],
            sent_at=message["sent_at"],
            client_msg_id=message["client_msg_id"],
            changes=changes,
            attachments=message.get("attachments", ()),
        )

    def changed_since(
        self, after_change_seq: int, up_to_seq: int, limit: int, viewer: str | None
    ) -> list[dict[str, Any]]:
        """Messages up to ``up_to_seq`` changed after ``after_change_seq``, in
        the order of their last change."""
        seqs = sorted(
            (change, seq)
            for seq, change in self.change_seqs.items()
            if change > after_change_seq and seq <= up_to_seq
        )
        found = [self.find(seq) for _, seq in seqs[:limit]]
        return [self.seen_by(message, viewer) for message in found if message is not None]

    def touch(self, moment: datetime) -> None:
        """A membership change or rename is activity too; never goes back."""
        self.updated_at = max(self.updated_at, moment)

    def unread_count(self, user_id: str) -> int:
        member = self.members.get(user_id)
        read_seq = member.read_seq if member else 0
        start = bisect.bisect_right(self.messages, read_seq, key=_seq)
        return sum(1 for message in self.messages[start:] if message["sender_id"] != user_id)

    def move_watermarks(self, user_id: str, delivered_seq: int, read_seq: int = 0) -> bool:
        """Lifts the member's watermarks (never lowers them); False for a non-member."""
        member = self.members.get(user_id)
        if member is None:
            return False
        member.delivered_seq = max(member.delivered_seq, delivered_seq, read_seq)
        member.read_seq = max(member.read_seq, read_seq)
        return True

    def receipts(self) -> list[dict[str, Any]]:
        return [
            {"user_id": user_id, "delivered_seq": member.delivered_seq, "read_seq": member.read_seq}
            for user_id, member in sorted(self.members.items())
        ]

    def seen_by(self, message: Mapping[str, Any], viewer: str | None) -> dict[str, Any]:
        """A copy of the message; the viewer's own carries its status."""
        seen = self.current(message)
        sender = seen["sender_id"]
        if viewer is None or sender != viewer:
            return seen
        seq = _seq(seen)
        recipients = [m for user_id, m in self.members.items() if user_id != sender]
        delivered = sum(1 for member in recipients if member.delivered_seq >= seq)
        read = sum(1 for member in recipients if member.read_seq >= seq)
        status = message_status(len(recipients), delivered, read)
        return {**seen, **msgspec.to_builtins(status)}

    def last_message(self, viewer: str | None = None) -> dict[str, Any] | None:
        if not self.messages or _seq(self.messages[-1]) != self.last_seq:
            return None
        return self.seen_by(self.messages[-1], viewer)

    def page(
        self, after_seq: int | None, before_seq: int | None, limit: int, viewer: str | None = None
    ) -> list[dict[str, Any]]:
        """After ``after_seq``: the first ``limit``; otherwise the last ``limit``."""
        start = 0 if after_seq is None else bisect.bisect_right(self.messages, after_seq, key=_seq)
        end = len(self.messages)
        if before_seq is not None:
            end = bisect.bisect_left(self.messages, before_seq, key=_seq)
        window = self.messages[start:end]
        chosen = window[:limit] if after_seq is not None else window[max(len(window) - limit, 0) :]
        return [self.seen_by(message, viewer) for message in chosen]

    def as_seen_by(self, user_id: str) -> dict[str, Any]:
        return self.with_unread_count(self.unread_count(user_id), user_id)

    def with_unread_count(self, unread_count: int, viewer: str | None = None) -> dict[str, Any]:
        """The conversation object with the given unread count, as ``viewer``
        sees it (None: as someone who did not send the last message)."""
        return conversation_object(
            conversation_id=self.conversation_id,
            kind=self.kind,
            title=self.title,
            members=[(user_id, self.members[user_id].role) for user_id in sorted(self.members)],
            last_seq=self.last_seq,
            unread_count=unread_count,
            last_message=self.last_message(viewer),
            updated_at=self.updated_at.isoformat(),
            last_change_seq=self.last_change_seq,
        )

    def per_member(self, gone: str | None = None) -> dict[str, dict[str, Any]]:
        """The object as each member sees it, and for ``gone`` (who just left
        or was removed) the object the others see, with unread_count 0 and
        no status on the last message (it is no longer theirs to follow)."""
        seen = {user_id: self.as_seen_by(user_id) for user_id in sorted(self.members)}
        if gone is not None:
            seen[gone] = self.with_unread_count(0)
        return seen
