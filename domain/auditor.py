"""The auditor role of one user, and the trail of that auditor's reads.

One stream per user (id ``auditor_stream_id(user_id)``, so every grant,
revoke and read of one auditor is in one partition, in order). Its events
are chained like a conversation's (``prev_hash``, ``hash``), so
``audit verify`` also proves that the auditors' trail was not altered.
Granting an auditor twice, or revoking one who is not, decides to nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from eventsourcing.domain import DomainEvent

from domain.hashchain import GENESIS_HASH, chain_payload, link_hash

_AUDITOR_NAMESPACE = uuid.UUID("2b7c7c1e-8a43-4f8e-b0d2-6a1e4f3b9d55")
READS = ("events", "verify")
"""What an audit read was: a page of events, or a verification."""


def auditor_stream_id(user_id: str) -> uuid.UUID:
    return uuid.uuid5(_AUDITOR_NAMESPACE, f"auditor:{user_id}")


@dataclass(frozen=True)
class AuditorGranted(DomainEvent):
    user_id: str
    granted_by: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditorRevoked(DomainEvent):
    user_id: str
    revoked_by: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditRead(DomainEvent):
    """An auditor read a conversation's events (``read`` = "events", with
    the page asked for) or had its chain verified (``read`` = "verify")."""

    user_id: str
    conversation_id: str
    read: str
    after: int | None
    limit: int | None
    prev_hash: str
    hash: str


AuditorEvent = AuditorGranted | AuditorRevoked | AuditRead
AUDITOR_EVENTS: tuple[type[DomainEvent], ...] = (AuditorGranted, AuditorRevoked, AuditRead)


def is_auditor_event(event: object) -> TypeGuard[AuditorEvent]:
    return isinstance(event, AuditorGranted | AuditorRevoked | AuditRead)


class AuditorRole:
    """Whether a user is an auditor now, folded from its stream."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.id = auditor_stream_id(user_id)
        self.version = 0
        self.active = False
        self.last_hash = GENESIS_HASH

    def apply(self, event: AuditorEvent) -> None:
        self.version = event.originator_version
        self.last_hash = event.hash
        if isinstance(event, AuditorGranted):
            self.active = True
        elif isinstance(event, AuditorRevoked):
            self.active = False

    def grant(self, by: str, at: datetime) -> list[AuditorEvent]:
        if self.active:
            return []
        return [self._next(AuditorGranted, at, {"user_id": self.user_id, "granted_by": by})]

    def revoke(self, by: str, at: datetime) -> list[AuditorEvent]:
        if not self.active:
            return []
        return [self._next(AuditorRevoked, at, {"user_id": self.user_id, "revoked_by": by})]

    def record_read(
        self, conversation_id: str, read: str, after: int | None, limit: int | None, at: datetime
    ) -> list[AuditorEvent]:
        """Recorded whatever the role is now: the read was served."""
        fields = {
            "user_id": self.user_id,
            "conversation_id": conversation_id,
            "read": read,
            "after": after,
            "limit": limit,
        }
        return [self._next(AuditRead, at, fields)]

    def _next(
        self, event_class: type[AuditorEvent], at: datetime, fields: dict[str, Any]
    ) -> AuditorEvent:
        version = self.version + 1
        payload = chain_payload(event_class.__name__, str(self.id), version, fields)
        event = event_class(
            originator_id=self.id,
            originator_version=version,
            timestamp=at,
            prev_hash=self.last_hash,
            hash=link_hash(self.last_hash, payload),
            **fields,
        )
        self.apply(event)
        return event
