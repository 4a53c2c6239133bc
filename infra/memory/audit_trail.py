"""The audit trail and the auditors in process memory (embedded mode and
tests): the audit view and its queries in one object, under one lock."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from eventsourcing.persistence import IntegrityError, Tracking

from infra.memory.tracking import InMemoryTracking
from projections.audit_ports import AuditEntry
from projections.ports import AlreadyProjected


class InMemoryAuditTrail:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: defaultdict[str, list[AuditEntry]] = defaultdict(list)
        self._auditors: dict[str, datetime] = {}
        self._tracking = InMemoryTracking()

    def batch(self) -> AbstractContextManager[None]:
        return nullcontext()

    def max_tracking_id(self, application_name: str) -> int | None:
        with self._lock:
            return self._tracking.max_tracking_id(application_name)

    def _track(self, tracking: Tracking) -> None:
        try:
            self._tracking.insert_tracking(tracking)
        except IntegrityError as error:
            raise AlreadyProjected(str(error)) from None

    def record(self, entry: AuditEntry, tracking: Tracking) -> None:
        with self._lock:
            self._track(tracking)
            entries = self._entries[entry.conversation_id]
            bisect.insort(entries, entry, key=lambda e: e.position)

    def auditor_granted(self, user_id: str, at: datetime, tracking: Tracking) -> None:
        with self._lock:
            self._track(tracking)
            self._auditors[user_id] = at

    def auditor_revoked(self, user_id: str, tracking: Tracking) -> None:
        with self._lock:
            self._track(tracking)
            self._auditors.pop(user_id, None)

    def skip(self, tracking: Tracking) -> None:
        with self._lock:
            self._track(tracking)

    async def is_auditor(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._auditors

    async def events(self, conversation_id: str, after: int, limit: int) -> Sequence[AuditEntry]:
        with self._lock:
            entries = self._entries.get(conversation_id, [])
            start = bisect.bisect_right(entries, after, key=lambda e: e.position)
            return list(entries[start : start + max(limit, 0)])
