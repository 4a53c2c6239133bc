"""The events of a Conversation. Each carries its link in the hash chain
(``prev_hash``, ``hash``) and is applied by ``Conversation.when``."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate


class Started(Aggregate.Created):
    kind: str
    title: str | None
    members: dict[str, str]
    started_by: str
    started_at: str
    prev_hash: str
    hash: str


class ChainedEvent(Aggregate.Event):
    prev_hash: str
    hash: str

    def apply(self, aggregate: Any) -> None:
        aggregate.when(self)
        aggregate.last_hash = self.hash


class MessagePosted(ChainedEvent):
    seq: int
    message_id: int
    sender: str
    body: str
    client_msg_id: str
    sent_at: str


class MembersAdded(ChainedEvent):
    user_ids: list[str]
    added_by: str
    at_seq: int


class MemberRemoved(ChainedEvent):
    user_id: str
    removed_by: str


class MemberLeft(ChainedEvent):
    user_id: str
    new_admin: str | None


class GroupRenamed(ChainedEvent):
    title: str
    renamed_by: str


class MessagesDelivered(ChainedEvent):
    """A member's delivered watermark moved forward to ``up_to_seq``."""

    user_id: str
    up_to_seq: int


class MessagesRead(ChainedEvent):
    """A member's read watermark (and so its delivered one) moved to ``up_to_seq``."""

    user_id: str
    up_to_seq: int
