"""The events of a Conversation. Each carries its link in the hash chain
(``prev_hash``, ``hash``) and applies itself to the aggregate (one ``apply``
per event type, as eventsourcing intends)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.attachments import Attachment
from domain.membership_rules import ADMIN, MEMBER

if TYPE_CHECKING:
    from domain.conversation import Conversation

DEDUPE_WINDOW_PER_SENDER = 1000


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
        self.apply_to(aggregate)
        aggregate.last_hash = self.hash

    def apply_to(self, conversation: Conversation) -> None:
        """What the event changes, besides the chain's last hash."""


class MessagePosted(ChainedEvent):
    """Version 2 added ``attachments`` (none for records written as version 1)."""

    class_version = 2
    fields_since: ClassVar[dict[str, int]] = {"attachments": 2}

    seq: int
    message_id: int
    sender: str
    body: str
    client_msg_id: str
    sent_at: str
    attachments: tuple[Attachment, ...]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["attachments"] = ()

    def apply_to(self, conversation: Conversation) -> None:
        conversation.last_seq = self.seq
        conversation.senders.append(self.sender)
        window = conversation.recent_client_ids.setdefault(self.sender, {})
        window[self.client_msg_id] = (self.message_id, self.seq)
        if len(window) > DEDUPE_WINDOW_PER_SENDER:
            del window[next(iter(window))]


class MembersAdded(ChainedEvent):
    user_ids: list[str]
    added_by: str
    at_seq: int

    def apply_to(self, conversation: Conversation) -> None:
        for user_id in self.user_ids:
            conversation.members[user_id] = MEMBER
            conversation.delivered[user_id] = conversation.read[user_id] = self.at_seq


def _drop_member(conversation: Conversation, user_id: str) -> None:
    for by_member in (conversation.members, conversation.delivered, conversation.read):
        by_member.pop(user_id, None)


class MemberRemoved(ChainedEvent):
    user_id: str
    removed_by: str

    def apply_to(self, conversation: Conversation) -> None:
        _drop_member(conversation, self.user_id)


class MemberLeft(ChainedEvent):
    user_id: str
    new_admin: str | None

    def apply_to(self, conversation: Conversation) -> None:
        _drop_member(conversation, self.user_id)
        if self.new_admin is not None:
            conversation.members[self.new_admin] = ADMIN


class GroupRenamed(ChainedEvent):
    title: str
    renamed_by: str

    def apply_to(self, conversation: Conversation) -> None:
        conversation.title = self.title


class MessagesDelivered(ChainedEvent):
    """A member's delivered watermark moved forward to ``up_to_seq``."""

    user_id: str
    up_to_seq: int

    def apply_to(self, conversation: Conversation) -> None:
        conversation.delivered[self.user_id] = self.up_to_seq


class MessagesRead(ChainedEvent):
    """A member's read watermark (and so its delivered one) moved to ``up_to_seq``."""

    user_id: str
    up_to_seq: int

    def apply_to(self, conversation: Conversation) -> None:
        conversation.read[self.user_id] = self.up_to_seq
        delivered = conversation.delivered[self.user_id]
        conversation.delivered[self.user_id] = max(delivered, self.up_to_seq)


class ReplyPosted(MessagePosted):
    """A message posted as a reply to message ``reply_to`` of the same
    conversation (its own event type, so that MessagePosted records stay as
    they are). Clients get the quote from the read model: the original as it
    is now (edited, or a tombstone once deleted)."""

    reply_to: int = 0


class MessageChange(ChainedEvent):
    """A change to message ``seq``; ``change_seq`` is gapless per
    conversation (1, 2, 3, ... over every edit, deletion and reaction)."""

    seq: int
    change_seq: int

    def apply(self, aggregate: Any) -> None:
        super().apply(aggregate)
        aggregate.last_change_seq = self.change_seq


class MessageEdited(MessageChange):
    """The sender replaced the body (the last edit wins)."""

    editor: str
    body: str
    edited_at: str


class MessageDeleted(MessageChange):
    """The body is gone for everyone (the log keeps this event, not a new body)."""

    deleted_by: str
    deleted_at: str

    def apply_to(self, conversation: Conversation) -> None:
        conversation.deleted[self.seq] = self.deleted_by
        conversation.reactions.pop(self.seq, None)


class ReactionAdded(MessageChange):
    user_id: str
    emoji: str

    def apply_to(self, conversation: Conversation) -> None:
        by_emoji = conversation.reactions.setdefault(self.seq, {})
        by_emoji.setdefault(self.emoji, []).append(self.user_id)


class ReactionRemoved(MessageChange):
    user_id: str
    emoji: str

    def apply_to(self, conversation: Conversation) -> None:
        by_emoji = conversation.reactions.get(self.seq, {})
        users = by_emoji.get(self.emoji, [])
        if self.user_id in users:
            users.remove(self.user_id)
        if not users:
            by_emoji.pop(self.emoji, None)
        if not by_emoji:
            conversation.reactions.pop(self.seq, None)
