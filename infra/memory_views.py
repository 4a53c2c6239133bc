"""In-memory read models: a ChatView and the ConversationQueries over its state.

The embedded mode and the tests use them. The projector writes from its
thread while the edge reads from the event loop, so every access holds the
tracking recorder's lock, and readers get copies, never live state.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.popo import POPOTrackingRecorder

from domain.conversation import Conversation
from domain.rejection import CommandRejected
from projections.frames import message_object
from projections.ports import AlreadyProjected
from projections.queries import DEFAULT_PAGE, MAX_PAGE, MessagePage


def event_time(text: str) -> datetime:
    """An event's ISO 8601 time as an aware UTC datetime (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _seq(message: Mapping[str, Any]) -> int:
    seq: int = message["seq"]
    return seq


@dataclass
class _Member:
    role: str
    delivered_seq: int = 0
    read_seq: int = 0


@dataclass
class _Conversation:
    conversation_id: str
    kind: str
    title: str | None
    started_by: str
    created_at: datetime
    members: dict[str, _Member]
    updated_at: datetime
    last_seq: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)  # ascending seq

    def add_message(self, message: dict[str, Any], sent_at: datetime) -> None:
        seq = _seq(message)
        index = bisect.bisect_left(self.messages, seq, key=_seq)
        if index < len(self.messages) and _seq(self.messages[index]) == seq:
            return
        self.messages.insert(index, message)
        if seq > self.last_seq:
            self.last_seq = seq
            self.updated_at = sent_at

    def unread_count(self, user_id: str) -> int:
        member = self.members.get(user_id)
        read_seq = member.read_seq if member else 0
        start = bisect.bisect_right(self.messages, read_seq, key=_seq)
        return sum(1 for message in self.messages[start:] if message["sender_id"] != user_id)

    def last_message(self) -> dict[str, Any] | None:
        if not self.messages or _seq(self.messages[-1]) != self.last_seq:
            return None
        return dict(self.messages[-1])

    def page(
        self, after_seq: int | None, before_seq: int | None, limit: int
    ) -> list[dict[str, Any]]:
        """After ``after_seq``: the first ``limit``; otherwise the last ``limit``."""
        start = 0 if after_seq is None else bisect.bisect_right(self.messages, after_seq, key=_seq)
        end = len(self.messages)
        if before_seq is not None:
            end = bisect.bisect_left(self.messages, before_seq, key=_seq)
        window = self.messages[start:end]
        chosen = window[:limit] if after_seq is not None else window[max(len(window) - limit, 0) :]
        return [dict(message) for message in chosen]

    def as_seen_by(self, user_id: str) -> dict[str, Any]:
        member_ids = sorted(self.members)
        return {
            "conversation_id": self.conversation_id,
            "kind": self.kind,
            "title": self.title,
            "member_ids": member_ids,
            "members": [{"user_id": m, "role": self.members[m].role} for m in member_ids],
            "last_seq": self.last_seq,
            "unread_count": self.unread_count(user_id),
            "last_message": self.last_message(),
            "updated_at": self.updated_at.isoformat(),
        }


class InMemoryChatView(POPOTrackingRecorder):
    """ChatView in process memory, with eventsourcing's POPO tracking."""

    def __init__(self) -> None:
        super().__init__()
        self._conversations: dict[str, _Conversation] = {}
        self._by_user: defaultdict[str, set[str]] = defaultdict(set)

    # -- ChatView ---------------------------------------------------------

    def conversation_started(
        self, event: Conversation.Started, tracking: Tracking
    ) -> Mapping[str, Any]:
        with self._database_lock:
            self._check_new(tracking)
            conversation_id = str(event.originator_id)
            conversation = self._conversations.get(conversation_id)
            if conversation is None:
                conversation = _new_conversation(event)
                self._conversations[conversation_id] = conversation
                for user_id in conversation.members:
                    self._by_user[user_id].add(conversation_id)
            self._insert_tracking(tracking)
            return conversation.as_seen_by(event.started_by)

    def message_posted(
        self, event: Conversation.MessagePosted, tracking: Tracking
    ) -> Sequence[str]:
        with self._database_lock:
            self._check_new(tracking)
            conversation = self._conversations.get(str(event.originator_id))
            member_ids: list[str] = []
            if conversation is not None:
                message = message_object(event)
                sent_at = event_time(event.sent_at)
                message["sent_at"] = sent_at.isoformat()
                conversation.add_message(message, sent_at)
                member_ids = sorted(conversation.members)
            self._insert_tracking(tracking)
            return member_ids

    def command_rejected(self, event: CommandRejected, tracking: Tracking) -> None:
        self.skip(tracking)

    def skip(self, tracking: Tracking) -> None:
        with self._database_lock:
            self._check_new(tracking)
            self._insert_tracking(tracking)

    def _check_new(self, tracking: Tracking) -> None:
        try:
            self._assert_tracking_uniqueness(tracking)
        except IntegrityError as error:
            raise AlreadyProjected(str(error)) from error

    # -- reads (copies, under the lock) -----------------------------------

    def has_member(self, conversation_id: str, user_id: str) -> bool:
        with self._database_lock:
            return conversation_id in self._by_user.get(user_id, ())

    def conversation_for(self, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        with self._database_lock:
            if conversation_id not in self._by_user.get(user_id, ()):
                return None
            return self._conversations[conversation_id].as_seen_by(user_id)

    def inbox_of(self, user_id: str, limit: int) -> list[dict[str, Any]]:
        with self._database_lock:
            ids = sorted(self._by_user.get(user_id, ()))
            conversations = [self._conversations[conversation_id] for conversation_id in ids]
            conversations.sort(key=lambda conversation: conversation.updated_at, reverse=True)
            return [c.as_seen_by(user_id) for c in conversations[: max(limit, 0)]]

    def message_page(
        self, conversation_id: str, after_seq: int | None, before_seq: int | None, limit: int
    ) -> MessagePage:
        limit = min(max(limit, 0), MAX_PAGE)
        with self._database_lock:
            conversation = self._conversations.get(conversation_id)
            if conversation is None:
                return MessagePage(messages=[], last_seq=0)
            messages = conversation.page(after_seq, before_seq, limit)
            return MessagePage(messages=messages, last_seq=conversation.last_seq)


def _new_conversation(event: Conversation.Started) -> _Conversation:
    started_at = event_time(event.started_at)
    return _Conversation(
        conversation_id=str(event.originator_id),
        kind=event.kind,
        title=event.title,
        started_by=event.started_by,
        created_at=started_at,
        members={user_id: _Member(role) for user_id, role in event.members.items()},
        updated_at=started_at,
    )


class InMemoryQueries:
    """ConversationQueries over an InMemoryChatView's state."""

    def __init__(self, view: InMemoryChatView) -> None:
        self._view = view

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        return self._view.has_member(conversation_id, user_id)

    async def conversation(self, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        return self._view.conversation_for(conversation_id, user_id)

    async def inbox(self, user_id: str, limit: int) -> list[dict[str, Any]]:
        return self._view.inbox_of(user_id, limit)

    async def messages(
        self,
        conversation_id: str,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> MessagePage:
        return self._view.message_page(conversation_id, after_seq, before_seq, limit)
