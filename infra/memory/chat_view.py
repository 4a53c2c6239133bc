"""In-memory read models: a ChatView and the ConversationQueries over its state.

The embedded mode and the tests use them. The projector writes from its
thread while the edge reads from the event loop, so every access holds the
tracking recorder's lock, and readers get copies, never live state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.popo import POPOTrackingRecorder

from domain.conversation import ADMIN, MEMBER, Conversation
from domain.rejection import CommandRejected
from infra.memory.conversation import ConversationState, MemberState, event_time, utc
from projections.frames import message_object
from projections.ports import AlreadyProjected
from projections.queries import DEFAULT_PAGE, MAX_PAGE, MessagePage

PerMember = Mapping[str, Mapping[str, Any]]


class InMemoryChatView(POPOTrackingRecorder):
    """ChatView in process memory, with eventsourcing's POPO tracking.

    Messages, membership changes and renames move ``updated_at`` to the
    event's time (never back), so the inbox shows the change; receipts only
    lift watermarks. PostgresChatView agrees.
    """

    def batch(self) -> AbstractContextManager[None]:
        """Each write applies at once (under the lock): nothing to group."""
        return nullcontext()

    def __init__(self) -> None:
        super().__init__()
        self._conversations: dict[str, ConversationState] = {}
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
                conversation = ConversationState.started(event)
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

    def members_added(self, event: Conversation.MembersAdded, tracking: Tracking) -> PerMember:
        def add(conversation: ConversationState) -> None:
            for user_id in event.user_ids:
                if user_id not in conversation.members:
                    conversation.members[user_id] = MemberState(MEMBER, event.at_seq, event.at_seq)
                    self._by_user[user_id].add(conversation.conversation_id)

        return self._change(event, tracking, add)

    def member_removed(self, event: Conversation.MemberRemoved, tracking: Tracking) -> PerMember:
        def remove(conversation: ConversationState) -> None:
            self._drop_member(conversation, event.user_id)

        return self._change(event, tracking, remove, gone=event.user_id)

    def member_left(self, event: Conversation.MemberLeft, tracking: Tracking) -> PerMember:
        def leave(conversation: ConversationState) -> None:
            self._drop_member(conversation, event.user_id)
            new_admin = conversation.members.get(event.new_admin or "")
            if new_admin is not None:
                new_admin.role = ADMIN

        return self._change(event, tracking, leave, gone=event.user_id)

    def group_renamed(self, event: Conversation.GroupRenamed, tracking: Tracking) -> PerMember:
        def rename(conversation: ConversationState) -> None:
            conversation.title = event.title

        return self._change(event, tracking, rename)

    def messages_delivered(
        self, event: Conversation.MessagesDelivered, tracking: Tracking
    ) -> Sequence[str]:
        return self._receipt(event, tracking, delivered_seq=event.up_to_seq)

    def messages_read(self, event: Conversation.MessagesRead, tracking: Tracking) -> Sequence[str]:
        return self._receipt(event, tracking, delivered_seq=0, read_seq=event.up_to_seq)

    def command_rejected(self, event: CommandRejected, tracking: Tracking) -> None:
        self.skip(tracking)

    def skip(self, tracking: Tracking) -> None:
        with self._database_lock:
            self._check_new(tracking)
            self._insert_tracking(tracking)

    def _change(
        self,
        event: DomainEvent,
        tracking: Tracking,
        change: Callable[[ConversationState], None],
        gone: str | None = None,
    ) -> PerMember:
        """Applies a membership or title change; an unknown conversation
        only records the position."""
        with self._database_lock:
            self._check_new(tracking)
            conversation = self._conversations.get(str(event.originator_id))
            seen: PerMember = {}
            if conversation is not None:
                change(conversation)
                conversation.touch(utc(event.timestamp))
                seen = conversation.per_member(gone)
            self._insert_tracking(tracking)
            return seen

    def _receipt(
        self,
        event: Conversation.MessagesDelivered | Conversation.MessagesRead,
        tracking: Tracking,
        delivered_seq: int,
        read_seq: int = 0,
    ) -> list[str]:
        """Lifts a member's watermarks; returns every member (the reporter's
        other devices too), or nothing for an unknown conversation or user."""
        with self._database_lock:
            self._check_new(tracking)
            conversation = self._conversations.get(str(event.originator_id))
            audience: list[str] = []
            if conversation is not None and conversation.move_watermarks(
                event.user_id, delivered_seq, read_seq
            ):
                audience = sorted(conversation.members)
            self._insert_tracking(tracking)
            return audience

    def _drop_member(self, conversation: ConversationState, user_id: str) -> None:
        conversation.members.pop(user_id, None)
        self._by_user[user_id].discard(conversation.conversation_id)

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
        self,
        conversation_id: str,
        after_seq: int | None,
        before_seq: int | None,
        limit: int,
        viewer: str | None = None,
    ) -> MessagePage:
        limit = min(max(limit, 0), MAX_PAGE)
        with self._database_lock:
            conversation = self._conversations.get(conversation_id)
            if conversation is None:
                return MessagePage(messages=[], last_seq=0)
            messages = conversation.page(after_seq, before_seq, limit, viewer)
            return MessagePage(messages=messages, last_seq=conversation.last_seq)

    def receipts_of(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._database_lock:
            conversation = self._conversations.get(conversation_id)
            return [] if conversation is None else conversation.receipts()


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
        viewer: str | None = None,
    ) -> MessagePage:
        return self._view.message_page(conversation_id, after_seq, before_seq, limit, viewer)

    async def receipts(self, conversation_id: str) -> list[dict[str, Any]]:
        return self._view.receipts_of(conversation_id)
