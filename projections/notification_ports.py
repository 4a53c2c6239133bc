"""Ports and records of the notifier (DESIGN.md §8): its view (membership,
devices, mutes, decisions and the pending deliveries, written with its
tracking position), who is online, and the decision log the API reads."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.persistence import Tracking

from commands.devices import Device

# Decisions (PROTOCOL.md) and the one this server adds: ``pending`` (decided
# to notify, not delivered yet).
SENT, SKIPPED, COLLAPSED, FAILED, REJECTED, PENDING = (
    "sent",
    "skipped",
    "collapsed",
    "failed",
    "rejected",
    "pending",
)
# Reasons of ``skipped``; ``expired`` is this server's (docs/notifications.md).
ONLINE, MUTED, SENDER, NO_DEVICE, EXPIRED = "online", "muted", "sender", "no_device", "expired"


@dataclass(frozen=True)
class Notice:
    """A posted message as the notifier needs it."""

    conversation_id: str
    message_id: int
    seq: int
    sender_id: str
    sent_at: datetime
    body: str | None
    """Only when the server is configured to include bodies."""


@dataclass(frozen=True)
class Recipient:
    user_id: str
    muted: bool
    devices: tuple[Device, ...]


@dataclass(frozen=True)
class Decision:
    user_id: str
    device: Device | None
    decision: str
    """``pending`` (to deliver) or ``skipped``."""
    reason: str | None = None


class NotifierView(Protocol):
    """The notifier's own read model: the members and titles of
    conversations (from the log), with the devices and mutes the edge
    writes, and the decisions. Each write records its tracking position in
    the same transaction and raises AlreadyProjected for a position it has."""

    def max_tracking_id(self, application_name: str) -> int | None: ...

    def batch(self) -> AbstractContextManager[None]:
        """One transaction for the block (reads inside it see its writes)."""
        ...

    def conversation_started(
        self,
        conversation_id: str,
        kind: str,
        title: str | None,
        members: Sequence[str],
        tracking: Tracking,
    ) -> None: ...

    def members_added(
        self, conversation_id: str, user_ids: Sequence[str], tracking: Tracking
    ) -> None: ...

    def member_gone(self, conversation_id: str, user_id: str, tracking: Tracking) -> None: ...

    def group_renamed(self, conversation_id: str, title: str, tracking: Tracking) -> None: ...

    def recipients(
        self, conversation_id: str, sender_id: str
    ) -> tuple[str | None, list[Recipient]]:
        """The conversation's title and its members but the sender, with
        their mute and their devices, by user id."""
        ...

    def record_decisions(
        self,
        notice: Notice,
        title: str | None,
        decisions: Sequence[Decision],
        destinations: dict[str, str],
        at: datetime,
        tracking: Tracking,
    ) -> None:
        """Stores the decisions; each ``pending`` one (due at once, to
        ``destinations[device_id]``) folds the pending, unleased delivery of
        the same device and conversation into itself (that one becomes
        ``collapsed``)."""
        ...

    def skip(self, tracking: Tracking) -> None: ...


class OnlineStatus(Protocol):
    """The presence read model, as the notifier reads it."""

    def online(self, user_ids: Sequence[str]) -> frozenset[str]:
        """Those of the users who are online now."""
        ...


class DecisionLog(Protocol):
    """What the API reads: every decision for a recipient, newest first."""

    async def decisions(
        self, user_id: str, limit: int, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``[{"message_id", "conversation_id", "seq", "device_id",
        "decision", "reason", "at"}]`` (``message_id`` a decimal string,
        ``at`` ISO 8601)."""
        ...
