"""Ports the projector uses: the event feed, the views and the fan-out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError, Tracking

from domain.conversation import Conversation
from domain.presence import PresenceChanged
from domain.records import LogRecord, OutgoingRecord
from domain.rejection import CommandRejected
from projections.frames import encode_frame


class ViewUnavailable(Exception):
    """The read-model store could not be reached (after its retries): no
    record is to blame; the projector stops and its supervisor restarts it."""


class DeadLetters(Protocol):
    """The dead-letter topic (``chat.parked``), as the projector writes it."""

    def park(self, record: OutgoingRecord) -> None:
        """Returns once the topic holds it (durable). Raises ViewUnavailable
        (nothing to blame on the record) when the log does not take it."""
        ...


class EventFeed(Protocol):
    """Records of one topic, from the partitions assigned to this consumer.
    Adapters take a ``start_offset(partition)`` callable and start each
    newly assigned partition there (where the view says it stopped)."""

    def poll(self, timeout: float) -> list[LogRecord]: ...

    def backlog(self) -> int:
        """Records known to be waiting beyond what was polled (a liveness
        hint; 0 when unknown)."""
        ...

    def close(self) -> None: ...


class AlreadyProjected(IntegrityError):
    """The view holds this tracking position already: nothing was written
    (eventsourcing's TrackingRecorder refuses such a position the same way)."""


@dataclass(frozen=True)
class Push:
    """A frame for the sockets of some users."""

    user_ids: tuple[str, ...]
    frame: Mapping[str, Any]

    @cached_property
    def text(self) -> str:
        """The frame encoded, once for all its users and sockets."""
        return encode_frame(self.frame)


@dataclass(frozen=True)
class Audience:
    """Who should see a message, and the message as they all see it (no
    status); ``message`` is None when the view does not hold it."""

    user_ids: Sequence[str]
    message: Mapping[str, Any] | None


class ChatView(Protocol):
    """The read models of DESIGN.md §5, written with their tracking position
    in one transaction. Each method raises AlreadyProjected for a position
    it has seen."""

    def max_tracking_id(self, application_name: str) -> int | None: ...

    def forget(self, application_name: str) -> None:
        """The partition of this tracking name was assigned (again): forget
        whatever was cached of it (another projector may have written it)."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Groups the writes of the block in one transaction, committed when
        it ends (adapters without transactions may apply each at once). A
        repeated position inside it raises AlreadyProjected for that event
        only; the batch goes on."""
        ...

    def conversation_started(
        self, event: Conversation.Started, tracking: Tracking
    ) -> Mapping[str, Any]:
        """Returns the conversation object (PROTOCOL.md) as its creator sees it."""
        ...

    def message_posted(
        self, event: Conversation.MessagePosted, tracking: Tracking
    ) -> Sequence[str]:
        """Returns the members who should see the message."""
        ...

    def reply_posted(self, event: Conversation.ReplyPosted, tracking: Tracking) -> Audience:
        """Stores the message as message_posted does, with the seq it answers;
        returns the members and the message with the quote of the original."""
        ...

    def message_edited(self, event: Conversation.MessageEdited, tracking: Tracking) -> Audience:
        """Replaces the body (the last edit wins), marks it edited."""
        ...

    def message_deleted(self, event: Conversation.MessageDeleted, tracking: Tracking) -> Audience:
        """Drops the body (and the message's reactions): a tombstone stays,
        with its seq, so order and unread counts do not move."""
        ...

    def reaction_added(self, event: Conversation.ReactionAdded, tracking: Tracking) -> Audience: ...

    def reaction_removed(
        self, event: Conversation.ReactionRemoved, tracking: Tracking
    ) -> Audience: ...

    def members_added(
        self, event: Conversation.MembersAdded, tracking: Tracking
    ) -> Mapping[str, Mapping[str, Any]]:
        """New members get the read watermark the conversation had (``at_seq``),
        so older messages are history, not unread. Returns, per member after
        the change, the conversation object as that member sees it."""
        ...

    def member_removed(
        self, event: Conversation.MemberRemoved, tracking: Tracking
    ) -> Mapping[str, Mapping[str, Any]]:
        """Deletes the membership (the user can no longer read it). Returns the
        conversation object per remaining member, and for the removed user the
        object as the remaining members see it (their id no longer in
        ``member_ids``) with ``unread_count`` 0."""
        ...

    def member_left(
        self, event: Conversation.MemberLeft, tracking: Tracking
    ) -> Mapping[str, Mapping[str, Any]]:
        """As member_removed; ``new_admin``, if set, becomes admin."""
        ...

    def group_renamed(
        self, event: Conversation.GroupRenamed, tracking: Tracking
    ) -> Mapping[str, Mapping[str, Any]]:
        """Returns the conversation object per member."""
        ...

    def messages_delivered(
        self, event: Conversation.MessagesDelivered, tracking: Tracking
    ) -> Sequence[str]:
        """Moves the member's delivered watermark up to ``up_to_seq`` (never
        down). Returns the members who should get the ``receipt`` push."""
        ...

    def messages_read(self, event: Conversation.MessagesRead, tracking: Tracking) -> Sequence[str]:
        """Moves the member's read watermark, and the delivered one with it
        (read implies delivered), never down; unread counts follow from it.
        Returns the members who should get the ``receipt`` push."""
        ...

    def command_rejected(self, event: CommandRejected, tracking: Tracking) -> None: ...

    def skip(self, tracking: Tracking) -> None:
        """Records the position of an event this view does not use."""
        ...

    def hold(self, conversation_id: str, reason: str, tracking: Tracking) -> None:
        """Records the position of an event that was parked, and that the
        conversation's later events are parked too (its order is kept: none
        is applied after a gap). The first reason is kept."""
        ...

    def held_conversations(self) -> set[str]:
        """The conversations whose events are parked, not applied."""
        ...


class Fanout(Protocol):
    """Publishes frames to users' channels; best effort."""

    def publish(self, push: Push) -> None: ...

    def publish_all(self, pushes: Sequence[Push]) -> None:
        """Every push of a batch, in order, in one round trip where the
        engine allows it."""
        ...


class PresenceView(Protocol):
    """Presence state per user, with the chat.presence offset per partition,
    written together. Monotonic: an older change never replaces a newer one."""

    def apply(self, change: PresenceChanged, partition: int, offset: int) -> bool:
        """True if the user's state changed (then contacts are told)."""
        ...

    def start_offset(self, partition: int) -> int: ...


class ContactDirectory(Protocol):
    def contacts(self, user_id: str) -> Sequence[str]:
        """Everyone who shares a conversation with the user, each once."""
        ...
