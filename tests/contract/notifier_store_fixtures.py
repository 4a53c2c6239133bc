"""The notifier's store, in memory and in PostgreSQL, for the contract suites:
one object per backend that is the NotifierView, the DeliveryQueue, the
DeviceStore and the DecisionLog."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from eventsourcing.persistence import Tracking

from commands.devices import Device, DeviceStore
from infra.memory.notifications import InMemoryNotifications
from infra.postgres.delivery_queue import PostgresDeliveryQueue
from infra.postgres.devices import PostgresDeviceStore
from infra.postgres.notifier_view import PostgresNotifierView
from infra.postgres.schema import create_schema
from projections.delivery_ports import DeliveryQueue
from projections.notification_ports import (
    PENDING,
    SKIPPED,
    Decision,
    DecisionLog,
    Notice,
    NotifierView,
)
from tests.support.postgres import drop_schema

T = TypeVar("T")
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BACKENDS = ["memory", "postgres"]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Store:
    view: NotifierView
    queue: DeliveryQueue
    devices: DeviceStore
    log: DecisionLog
    runner: asyncio.Runner
    positions: Iterator[int]

    def run(self, call: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(call)

    def tracking(self) -> Tracking:
        return Tracking("chat.events.p0", next(self.positions))

    def add_device(self, user_id: str, name: str, kind: str = "gateway") -> Device:
        device = Device(
            f"{user_id}-{name}",
            user_id,
            kind,
            f"app|{user_id}-{name}",
            T0,
            app_id="app",
            pushkey=f"{user_id}-{name}",
        )
        assert self.run(self.devices.save_device(device, 20))
        return device

    def start(self, conversation_id: str, members: Sequence[str], title: str | None = None) -> None:
        kind = "group" if title else "direct"
        self.view.conversation_started(conversation_id, kind, title, members, self.tracking())

    def notify(
        self,
        conversation_id: str,
        message_id: int,
        decisions: Sequence[Decision],
        when: datetime = T0,
        title: str | None = None,
    ) -> None:
        notice = Notice(conversation_id, message_id, message_id, "sender", when, None)
        destinations = {d.device.device_id: "gateway" for d in decisions if d.device}
        self.view.record_decisions(notice, title, decisions, destinations, when, self.tracking())

    def pending(self, device: Device) -> Decision:
        return Decision(device.user_id, device, PENDING)

    def skipped(self, user_id: str, reason: str) -> Decision:
        return Decision(user_id, None, SKIPPED, reason)

    def decisions(self, user_id: str, conversation_id: str | None = None) -> list[dict[str, Any]]:
        return self.run(self.log.decisions(user_id, 100, conversation_id))


def open_store(kind: str, dsn: str) -> Iterator[Store]:
    runner = asyncio.Runner()
    positions = itertools.count()
    if kind == "memory":
        memory = InMemoryNotifications()
        yield Store(memory, memory, memory, memory, runner, positions)
        runner.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_schema(dsn, schema)
    view = PostgresNotifierView.from_dsn(dsn, schema)
    queue = PostgresDeliveryQueue.from_dsn(dsn, schema)
    devices = PostgresDeviceStore(dsn, schema)
    runner.run(devices.open())
    try:
        yield Store(view, queue, devices, devices, runner, positions)
    finally:
        runner.run(devices.close())
        runner.close()
        view.close()
        queue.close()
        drop_schema(dsn, schema)


StoreFactory = Callable[[], Store]
