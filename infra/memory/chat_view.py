"""The chat read models in process memory (embedded mode and tests).

The projector writes from its thread while the edge reads from the event
loop, so every access holds the view's lock, and readers get copies, never
live state (infra.memory.queries).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder

from domain.conversation import Conversation
from domain.membership_rules import ADMIN, MEMBER
from domain.rejection import CommandRejected
from infra.memory.conversation import ConversationState, MemberState, event_time, utc
from infra.memory.tracking import InMemoryTracking
from projections.ports import AlreadyProjected, Audience
from projections.wire import attachments_json, message_object

PerMember = Mapping[str, Mapping[str, Any]]
T = TypeVar("T")


class InMemoryChatView(TrackingRecorder):
    """ChatView in process memory, with its tracking positions.

    Messages, membership changes and renames move ``updated_at`` to the
    event's time (never back), so the inbox shows the change; receipts only
    lift watermarks. PostgresChatView agrees.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.conversations: dict[str, ConversationState] = {}
        self.by_user: defaultdict[str, set[str]] = defaultdict(set)
        self._tracking = InMemoryTracking()
        self.held: dict[str, str] = {}

    def batch(self) -> AbstractContextManager[None]:
        """Each write applies at once (under the lock): nothing to group."""
        return nullcontext()

    # -- TrackingRecorder -------------------------------------------------

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.lock:
            self._tracking.insert_tracking(tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.lock:
            return self._tracking.max_tracking_id(application_name)

    def forget(self, application_name: str) -> None:
        """Nothing is cached: the state in memory is the view itself."""

    # -- ChatView ---------------------------------------------------------

    def conversation_started(
        self, event: Conversation.Started, tracking: Tracking
    ) -> Mapping[str, Any]:
        def start() -> Mapping[str, Any]:
            conversation_id = str(event.originator_id)
            conversation = self.conversations.get(conversation_id)
            if conversation is None:
                conversation = ConversationState.started(event)
                self.conversations[conversation_id] = conversation
                for user_id in conversation.members:
                    self.by_user[user_id].add(conversation_id)
            return conversation.as_seen_by(event.started_by)

        return self._write(tracking, start)

    def message_posted(
        self, event: Conversation.MessagePosted, tracking: Tracking
    ) -> Sequence[str]:
        def post() -> list[str]:
            conversation = self.conversations.get(str(event.originator_id))
            if conversation is None:
                return []
            sent_at = event_time(event.sent_at)
            message = message_object(
                conversation_id=str(event.originator_id),
                seq=event.seq,
                message_id=event.message_id,
                sender_id=event.sender,
                body=event.body,
                sent_at=sent_at.isoformat(),
                client_msg_id=event.client_msg_id,
                attachments=attachments_json(event),
            )
            conversation.add_message(message, sent_at)
            return sorted(conversation.members)

        return self._write(tracking, post)

    def reply_posted(self, event: Conversation.ReplyPosted, tracking: Tracking) -> Audience:
        with self.lock:
            members = self.message_posted(event, tracking)
            conversation = self.conversations.get(str(event.originator_id))
            if conversation is None:
                return Audience(members, None)
            conversation.replies[event.seq] = event.reply_to
            message = conversation.find(event.seq)
            return Audience(members, None if message is None else conversation.current(message))

    def message_edited(self, event: Conversation.MessageEdited, tracking: Tracking) -> Audience:
        return self._change_message(
            event,
            tracking,
            lambda c: c.edit(event.seq, event.change_seq, event.body, event.edited_at),
        )

    def message_deleted(self, event: Conversation.MessageDeleted, tracking: Tracking) -> Audience:
        return self._change_message(
            event, tracking, lambda c: c.delete(event.seq, event.change_seq, event.deleted_at)
        )

    def reaction_added(self, event: Conversation.ReactionAdded, tracking: Tracking) -> Audience:
        return self._change_message(
            event,
            tracking,
            lambda c: c.react(event.seq, event.change_seq, event.user_id, event.emoji, add=True),
        )

    def reaction_removed(self, event: Conversation.ReactionRemoved, tracking: Tracking) -> Audience:
        return self._change_message(
            event,
            tracking,
            lambda c: c.react(event.seq, event.change_seq, event.user_id, event.emoji, add=False),
        )

    def _change_message(
        self,
        event: Conversation.MessageChange,
        tracking: Tracking,
        change: Callable[[ConversationState], bool],
    ) -> Audience:
        def apply() -> Audience:
            conversation = self.conversations.get(str(event.originator_id))
            if conversation is None or not change(conversation):
                return Audience([], None)
            message = conversation.find(event.seq)
            assert message is not None
            return Audience(sorted(conversation.members), conversation.current(message))

        return self._write(tracking, apply)

    def members_added(self, event: Conversation.MembersAdded, tracking: Tracking) -> PerMember:
        def add(conversation: ConversationState) -> None:
            for user_id in event.user_ids:
                if user_id not in conversation.members:
                    conversation.members[user_id] = MemberState(MEMBER, event.at_seq, event.at_seq)
                    self.by_user[user_id].add(conversation.conversation_id)

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
        self._write(tracking, lambda: None)

    def hold(self, conversation_id: str, reason: str, tracking: Tracking) -> None:
        self._write(tracking, lambda: self.held.setdefault(conversation_id, reason))

    def held_conversations(self) -> set[str]:
        with self.lock:
            return set(self.held)

    def _change(
        self,
        event: DomainEvent,
        tracking: Tracking,
        change: Callable[[ConversationState], None],
        gone: str | None = None,
    ) -> PerMember:
        """Applies a membership or title change; an unknown conversation
        only records the position."""

        def apply() -> PerMember:
            conversation = self.conversations.get(str(event.originator_id))
            if conversation is None:
                return {}
            change(conversation)
            conversation.touch(utc(event.timestamp))
            return conversation.per_member(gone)

        return self._write(tracking, apply)

    def _receipt(
        self,
        event: Conversation.MessagesDelivered | Conversation.MessagesRead,
        tracking: Tracking,
        delivered_seq: int,
        read_seq: int = 0,
    ) -> list[str]:
        """Lifts a member's watermarks; returns every member (the reporter's
        other devices too), or nothing for an unknown conversation or user."""

        def move() -> list[str]:
            conversation = self.conversations.get(str(event.originator_id))
            if conversation is None or not conversation.move_watermarks(
                event.user_id, delivered_seq, read_seq
            ):
                return []
            return sorted(conversation.members)

        return self._write(tracking, move)

    def _drop_member(self, conversation: ConversationState, user_id: str) -> None:
        conversation.members.pop(user_id, None)
        self.by_user[user_id].discard(conversation.conversation_id)

    def _write(self, tracking: Tracking, write: Callable[[], T]) -> T:
        """A refused position writes nothing (AlreadyProjected); otherwise the
        write and the position apply together, under the lock."""
        with self.lock:
            try:
                self._tracking.check(tracking)
            except IntegrityError as error:
                raise AlreadyProjected(str(error)) from error
            written = write()
            self._tracking.insert_tracking(tracking)
            return written
