"""The chat projection: each event is one view call; once the view has
committed, the pushes go to the fan-out (best effort: clients sync)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.conversation import Conversation
from domain.rejection import CommandRejected
from projections.frames import message_frame, rejected_frame
from projections.ports import ChatView, Fanout, Push


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
        frame = {"type": "conversation", "conversation": conversation}
        self.fanout.publish(Push(tuple(domain_event.members), frame))

    @process_event.register
    def _(self, domain_event: Conversation.MessagePosted, tracking: Tracking) -> None:
        members = self.chat_view.message_posted(domain_event, tracking)
        self.fanout.publish(Push(tuple(members), message_frame(domain_event)))

    @process_event.register
    def _(self, domain_event: CommandRejected, tracking: Tracking) -> None:
        self.chat_view.command_rejected(domain_event, tracking)
        self.fanout.publish(Push((domain_event.sender,), rejected_frame(domain_event)))
