"""Ports of the audit trail: the view its projection writes (every event of
every conversation as the log holds it, and who is an auditor) and the
queries the edge asks of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.persistence import Tracking

AUDIT_PAGE = 100
MAX_AUDIT_PAGE = 1000


@dataclass(frozen=True)
class AuditEntry:
    """One event of a conversation as the log holds it: ``data`` is its
    fields as written (before any upcast), so its link verifies."""

    conversation_id: str
    position: int  # its offset in the conversation's partition of chat.events
    type: str  # the event_type header
    schema_version: int
    version: int  # the aggregate version (header)
    at: datetime
    data: Mapping[str, Any]
    prev_hash: str | None  # None for what is not chained (CommandRejected)
    hash: str | None


class AuditView(Protocol):
    """Written by the audit projection with its tracking positions, in one
    transaction per batch. Each write raises AlreadyProjected for a
    position it has seen."""

    def max_tracking_id(self, application_name: str) -> int | None: ...

    def batch(self) -> AbstractContextManager[None]: ...

    def record(self, entry: AuditEntry, tracking: Tracking) -> None: ...

    def auditor_granted(self, user_id: str, at: datetime, tracking: Tracking) -> None: ...

    def auditor_revoked(self, user_id: str, tracking: Tracking) -> None: ...

    def skip(self, tracking: Tracking) -> None: ...


class AuditQueries(Protocol):
    async def is_auditor(self, user_id: str) -> bool: ...

    async def events(self, conversation_id: str, after: int, limit: int) -> Sequence[AuditEntry]:
        """The conversation's entries with a position above ``after``, in log
        order, at most ``limit``."""
        ...
