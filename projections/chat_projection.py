"""The chat projection: each event is one view call; once the view has
committed, the pushes go to the fan-out (best effort: clients sync)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.conversation import Conversation
from domain.rejection import CommandRejected
from projections.frames import (
    conversation_frame,
    message_changed_frame,
    message_frame,
    posted_frame,
    receipt_frame,
    rejected_frame,
)
from projections.ports import Audience, ChatView, Fanout, Push


class ChatProjection(Projection[Any]):
    name = "chat"

    def __init__(self, view: ChatView, fanout: Fanout) -> None:
        super().__init__(view)
        self.chat_view = view
        self.fanout = fanout

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.chat_view.skip(tracking)

    @process_event.register
    def _(self, domain_event: Conversation.Started, tracking: Tracking) -> None:
        conversation = self.chat_view.conversation_started(domain_event, tracking)
        self.fanout.publish(Push(tuple(domain_event.members), conversation_frame(conversation)))

    @process_event.register
    def _(self, domain_event: Conversation.MessagePosted, tracking: Tracking) -> None:
        members = self.chat_view.message_posted(domain_event, tracking)
        self.fanout.publish(Push(tuple(members), posted_frame(domain_event)))

    @process_event.register
    def _(self, domain_event: Conversation.ReplyPosted, tracking: Tracking) -> None:
        audience = self.chat_view.reply_posted(domain_event, tracking)
        frame = posted_frame(domain_event)
        if audience.message is not None:
            frame = message_frame(audience.message)
        self.fanout.publish(Push(tuple(audience.user_ids), frame))

    @process_event.register
    def _(self, domain_event: Conversation.MessageEdited, tracking: Tracking) -> None:
        self._push_change(domain_event, self.chat_view.message_edited(domain_event, tracking))

    @process_event.register
    def _(self, domain_event: Conversation.MessageDeleted, tracking: Tracking) -> None:
        self._push_change(domain_event, self.chat_view.message_deleted(domain_event, tracking))

    @process_event.register
    def _(self, domain_event: Conversation.ReactionAdded, tracking: Tracking) -> None:
        self._push_change(domain_event, self.chat_view.reaction_added(domain_event, tracking))

    @process_event.register
    def _(self, domain_event: Conversation.ReactionRemoved, tracking: Tracking) -> None:
        self._push_change(domain_event, self.chat_view.reaction_removed(domain_event, tracking))

    def _push_change(self, event: Conversation.MessageChange, audience: Audience) -> None:
        if audience.message is not None:
            frame = message_changed_frame(event.change_seq, audience.message)
            self.fanout.publish(Push(tuple(audience.user_ids), frame))

    @process_event.register
    def _(self, domain_event: Conversation.MembersAdded, tracking: Tracking) -> None:
        self._push_conversations(self.chat_view.members_added(domain_event, tracking))

    @process_event.register
    def _(self, domain_event: Conversation.MemberRemoved, tracking: Tracking) -> None:
        self._push_conversations(self.chat_view.member_removed(domain_event, tracking))

    @process_event.register
    def _(self, domain_event: Conversation.MemberLeft, tracking: Tracking) -> None:
        self._push_conversations(self.chat_view.member_left(domain_event, tracking))

    @process_event.register
    def _(self, domain_event: Conversation.GroupRenamed, tracking: Tracking) -> None:
        self._push_conversations(self.chat_view.group_renamed(domain_event, tracking))

    @process_event.register
    def _(self, domain_event: Conversation.MessagesDelivered, tracking: Tracking) -> None:
        members = self.chat_view.messages_delivered(domain_event, tracking)
        self._push_receipt(members, domain_event.originator_id, domain_event, "delivered")

    @process_event.register
    def _(self, domain_event: Conversation.MessagesRead, tracking: Tracking) -> None:
        members = self.chat_view.messages_read(domain_event, tracking)
        self._push_receipt(members, domain_event.originator_id, domain_event, "read")

    def _push_receipt(
        self,
        members: Sequence[str],
        conversation_id: UUID,
        event: Conversation.MessagesDelivered | Conversation.MessagesRead,
        kind: str,
    ) -> None:
        frame = receipt_frame(str(conversation_id), event.user_id, kind, event.up_to_seq)
        self.fanout.publish(Push(tuple(members), frame))

    def _push_conversations(self, per_user: Mapping[str, Mapping[str, Any]]) -> None:
        for user_id, conversation in per_user.items():
            self.fanout.publish(Push((user_id,), conversation_frame(conversation)))

    @process_event.register
    def _(self, domain_event: CommandRejected, tracking: Tracking) -> None:
        self.chat_view.command_rejected(domain_event, tracking)
        self.fanout.publish(Push((domain_event.sender,), rejected_frame(domain_event)))
