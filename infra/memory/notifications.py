"""The notifier's store in process memory (embedded mode and tests): the
members and titles it projects, the devices and mutes the edge writes, and
the decisions with their pending deliveries. One lock guards it all; a
batch holds it, so a claim never sees half a batch."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking

from commands.devices import Device
from infra.memory.tracking import InMemoryTracking
from projections.delivery_ports import Delivery
from projections.notification_ports import (
    COLLAPSED,
    FAILED,
    PENDING,
    REJECTED,
    SENT,
    Decision,
    Notice,
    Recipient,
)
from projections.ports import AlreadyProjected

Key = tuple[str, int]


@dataclass
class _Row:
    user_id: str
    decision_id: int
    message_id: int
    conversation_id: str
    seq: int
    device_id: str | None
    decision: str
    reason: str | None
    at: datetime
    sender_id: str
    title: str | None = None
    body: str | None = None
    folded: int = 1
    destination: str | None = None
    attempts: int = 0
    due: datetime | None = None
    lease_until: datetime | None = None

    def leased(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until >= now

    def answer(self) -> dict[str, Any]:
        return {
            "message_id": str(self.message_id),
            "conversation_id": self.conversation_id,
            "seq": self.seq,
            "device_id": self.device_id,
            "decision": self.decision,
            "reason": self.reason,
            "at": self.at.isoformat(),
        }


class InMemoryNotifications:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tracking = InMemoryTracking()
        self._titles: dict[str, str | None] = {}
        self._members: dict[str, set[str]] = {}
        self._devices: dict[str, dict[str, Device]] = {}
        self._mutes: set[tuple[str, str]] = set()
        self._rows: dict[Key, _Row] = {}
        self._next_id = 0

    # -- NotifierView -----------------------------------------------------

    def max_tracking_id(self, application_name: str) -> int | None:
        with self._lock:
            return self._tracking.max_tracking_id(application_name)

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._lock:
            yield

    @contextmanager
    def _tracked(self, tracking: Tracking) -> Iterator[None]:
        with self._lock:
            try:
                self._tracking.check(tracking)
            except IntegrityError as error:
                raise AlreadyProjected(str(error)) from None
            yield
            self._tracking.insert_tracking(tracking)

    def conversation_started(
        self,
        conversation_id: str,
        kind: str,
        title: str | None,
        members: Sequence[str],
        tracking: Tracking,
    ) -> None:
        with self._tracked(tracking):
            self._titles.setdefault(conversation_id, title)
            self._members.setdefault(conversation_id, set()).update(members)

    def members_added(
        self, conversation_id: str, user_ids: Sequence[str], tracking: Tracking
    ) -> None:
        with self._tracked(tracking):
            self._members.setdefault(conversation_id, set()).update(user_ids)

    def member_gone(self, conversation_id: str, user_id: str, tracking: Tracking) -> None:
        with self._tracked(tracking):
            self._members.get(conversation_id, set()).discard(user_id)

    def group_renamed(self, conversation_id: str, title: str, tracking: Tracking) -> None:
        with self._tracked(tracking):
            self._titles[conversation_id] = title

    def skip(self, tracking: Tracking) -> None:
        with self._tracked(tracking):
            pass

    def recipients(
        self, conversation_id: str, sender_id: str
    ) -> tuple[str | None, list[Recipient]]:
        with self._lock:
            members = sorted(self._members.get(conversation_id, set()) - {sender_id})
            return self._titles.get(conversation_id), [
                Recipient(
                    user_id,
                    (user_id, conversation_id) in self._mutes,
                    tuple(sorted(self._devices.get(user_id, {}).values(), key=_age)),
                )
                for user_id in members
            ]

    def record_decisions(
        self,
        notice: Notice,
        title: str | None,
        decisions: Sequence[Decision],
        destinations: dict[str, str],
        at: datetime,
        tracking: Tracking,
    ) -> None:
        with self._tracked(tracking):
            for decision in decisions:
                self._record(notice, title, decision, destinations, at)

    def _record(
        self,
        notice: Notice,
        title: str | None,
        decision: Decision,
        destinations: dict[str, str],
        at: datetime,
    ) -> None:
        device_id = decision.device.device_id if decision.device else None
        self._next_id += 1
        row = _Row(
            decision.user_id,
            self._next_id,
            notice.message_id,
            notice.conversation_id,
            notice.seq,
            device_id,
            decision.decision,
            decision.reason,
            at,
            notice.sender_id,
        )
        if decision.decision == PENDING and device_id is not None:
            row.title, row.body, row.due = title, notice.body, at
            row.destination = destinations[device_id]
            for earlier in self._rows.values():
                if (
                    (earlier.user_id, earlier.device_id) == (row.user_id, device_id)
                    and earlier.conversation_id == row.conversation_id
                    and earlier.decision == PENDING
                    and not earlier.leased(at)
                ):
                    earlier.decision, earlier.at, earlier.due, earlier.reason = (
                        COLLAPSED,
                        at,
                        None,
                        None,
                    )
                    row.folded += earlier.folded
        self._rows[(row.user_id, row.decision_id)] = row

    # -- DeliveryQueue ----------------------------------------------------

    def claim(
        self, now: datetime, limit: int, lease_until: datetime, excluded: Sequence[str]
    ) -> list[Delivery]:
        with self._lock:
            busy = {
                (r.user_id, r.device_id)
                for r in self._rows.values()
                if r.decision == PENDING and r.leased(now)
            }
            due = sorted(
                (
                    r
                    for r in self._rows.values()
                    if r.decision == PENDING
                    and r.due is not None
                    and r.due <= now
                    and not r.leased(now)
                    and r.destination not in excluded
                ),
                key=lambda r: (r.due, r.decision_id),
            )
            claimed: list[Delivery] = []
            for row in due:
                if len(claimed) >= limit:
                    break
                if (row.user_id, row.device_id) in busy:
                    continue
                busy.add((row.user_id, row.device_id))
                device = self._devices.get(row.user_id, {}).get(row.device_id or "")
                if device is None:
                    row.decision, row.reason, row.at, row.due = FAILED, "device removed", now, None
                    continue
                row.lease_until = lease_until
                claimed.append(_delivery(row, device))
            return claimed

    def renew(self, keys: Sequence[Key], lease_until: datetime) -> None:
        with self._lock:
            for key in keys:
                row = self._rows.get(key)
                if row is not None and row.decision == PENDING:
                    row.lease_until = lease_until

    def release(self, keys: Sequence[Key], due: datetime) -> None:
        with self._lock:
            for key in keys:
                row = self._rows.get(key)
                if row is not None and row.decision == PENDING:
                    row.lease_until, row.due = None, due

    def _finish(self, delivery: Delivery, decision: str, at: datetime, reason: str | None) -> None:
        row = self._rows.get((delivery.user_id, delivery.decision_id))
        if row is not None and row.decision == PENDING:
            row.decision, row.reason, row.at = decision, reason, at
            row.due = row.lease_until = row.body = None

    def sent(self, delivery: Delivery, at: datetime) -> None:
        with self._lock:
            self._finish(delivery, SENT, at, None)

    def retry(self, delivery: Delivery, due: datetime, reason: str) -> None:
        with self._lock:
            row = self._rows.get((delivery.user_id, delivery.decision_id))
            if row is not None and row.decision == PENDING:
                row.attempts += 1
                row.due, row.lease_until, row.reason = due, None, reason

    def failed(self, delivery: Delivery, at: datetime, reason: str) -> None:
        with self._lock:
            self._finish(delivery, FAILED, at, reason)

    def rejected(self, delivery: Delivery, at: datetime, reason: str) -> None:
        with self._lock:
            self._finish(delivery, REJECTED, at, reason)
            self._devices.get(delivery.user_id, {}).pop(delivery.device.device_id, None)

    def prune(self, before: datetime) -> int:
        with self._lock:
            old = [k for k, r in self._rows.items() if r.decision != PENDING and r.at < before]
            for key in old:
                del self._rows[key]
            return len(old)

    # -- DecisionLog ------------------------------------------------------

    async def decisions(
        self, user_id: str, limit: int, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            rows = [
                r
                for r in self._rows.values()
                if r.user_id == user_id
                and (conversation_id is None or r.conversation_id == conversation_id)
            ]
            rows.sort(key=lambda r: (r.at, r.decision_id), reverse=True)
            return [r.answer() for r in rows[:limit]]

    # -- DeviceStore ------------------------------------------------------

    async def save_device(self, device: Device, max_per_user: int) -> bool:
        with self._lock:
            mine = self._devices.setdefault(device.user_id, {})
            if device.device_id not in mine and len(mine) >= max_per_user:
                return False
            for user_id, others in self._devices.items():
                if user_id != device.user_id:
                    for other_id in [i for i, d in others.items() if d.address == device.address]:
                        del others[other_id]
            earlier = mine.get(device.device_id)
            if earlier is not None:
                device = _with_created_at(device, earlier.created_at)
            mine[device.device_id] = device
            return True

    async def devices(self, user_id: str) -> list[Device]:
        with self._lock:
            return sorted(self._devices.get(user_id, {}).values(), key=_age)

    async def delete_device(self, user_id: str, device_id: str) -> bool:
        with self._lock:
            return self._devices.get(user_id, {}).pop(device_id, None) is not None

    async def set_muted(self, user_id: str, conversation_id: str, muted: bool) -> None:
        with self._lock:
            if muted:
                self._mutes.add((user_id, conversation_id))
            else:
                self._mutes.discard((user_id, conversation_id))

    async def is_muted(self, user_id: str, conversation_id: str) -> bool:
        with self._lock:
            return (user_id, conversation_id) in self._mutes


def _age(device: Device) -> tuple[datetime, str]:
    return (device.created_at, device.device_id)


def _with_created_at(device: Device, created_at: datetime) -> Device:
    return replace(device, created_at=created_at)


def _delivery(row: _Row, device: Device) -> Delivery:
    return Delivery(
        user_id=row.user_id,
        decision_id=row.decision_id,
        device=device,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        seq=row.seq,
        sender_id=row.sender_id,
        title=row.title,
        body=row.body,
        folded=row.folded,
        attempts=row.attempts,
        destination=row.destination or "",
    )
