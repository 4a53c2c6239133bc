"""Latency from projection to push request: the notifier commits a pending
decision (its outbox row, with the tracking position) and the delivery loop
sends it to a loopback Matrix push gateway. Measured from the commit to the
gateway receiving the request, on the PostgreSQL store (or in memory).

``--messages`` one at a time (each waits for its push: the unloaded
latency), then a burst of as many to distinct devices at once.

    .venv/bin/python -m benchmarks.push_latency [--messages 200] [--memory]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Tracking

from app.notifier import run_delivery
from commands.devices import Device, DeviceStore
from infra.memory.notifications import InMemoryNotifications
from infra.postgres.delivery_queue import PostgresDeliveryQueue
from infra.postgres.devices import PostgresDeviceStore
from infra.postgres.notifier_view import PostgresNotifierView
from infra.postgres.schema import create_schema
from infra.push.gateway import GatewayTransport
from projections.delivery_ports import DeliveryQueue
from projections.notification_ports import PENDING, Decision, Notice, NotifierView
from projections.push_delivery import DeliverySettings, PushDelivery
from tests.support.postgres import drop_schema
from tests.support.push_gateway import LoopbackGateway

DSN = os.environ.get("CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test")
TIME_LIMIT = 120.0


class NoBadge:
    def unread_total(self, user_id: str) -> int:
        return 1


def now() -> datetime:
    return datetime.now(UTC)


class Bench:
    def __init__(self, view: NotifierView, queue: DeliveryQueue, devices: DeviceStore) -> None:
        self.view, self.queue, self.devices = view, queue, devices
        self.positions = itertools.count()
        self.message_ids = itertools.count(2**62)

    def device(self, number: int) -> Device:
        device = Device(
            f"d{number}", f"u{number}", "gateway", f"app|k{number}", now(),
            app_id="org.example.bench", pushkey=f"k{number}",
        )  # fmt: skip
        asyncio.run(self.devices.save_device(device, 20))
        return device

    def project(self, devices: list[Device]) -> tuple[list[str], float]:
        """One pending decision per device, committed in one batch; the
        event ids and the monotonic time just after the commit."""
        ids = []
        with self.view.batch():
            for device in devices:
                message_id = next(self.message_ids)
                notice = Notice(f"c-{device.device_id}", message_id, 1, "sender", now(), None)
                decision = Decision(device.user_id, device, PENDING)
                tracking = Tracking("chat.events.p0", next(self.positions))
                self.view.record_decisions(
                    notice, None, [decision], {device.device_id: "gateway"}, now(), tracking
                )
                ids.append(str(message_id))
        return ids, time.monotonic()


def wait_for(gateway: LoopbackGateway, ids: list[str]) -> None:
    deadline = time.monotonic() + TIME_LIMIT
    while not all(i in gateway.arrival_times for i in ids):
        if time.monotonic() > deadline:
            raise TimeoutError("pushes did not arrive in time")
        time.sleep(0.0005)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(pick(0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def run(bench: Bench, gateway: LoopbackGateway, messages: int, workers: int) -> dict[str, Any]:
    transports = {"gateway": GatewayTransport(gateway.url, 10)}
    settings = DeliverySettings(poll_interval=0.5, workers_per_destination=workers)
    delivery = PushDelivery(bench.queue, transports, NoBadge(), settings, now)
    stop = threading.Event()
    thread = threading.Thread(target=run_delivery, args=(delivery, transports, stop), daemon=True)
    thread.start()
    try:
        devices = [bench.device(n) for n in range(messages)]
        one_by_one = []
        for device in devices:
            ids, committed = bench.project([device])
            delivery.wake()
            wait_for(gateway, ids)
            one_by_one.append(gateway.arrival_times[ids[0]] - committed)
        ids, committed = bench.project(devices)
        delivery.wake()
        wait_for(gateway, ids)
        burst = [gateway.arrival_times[i] - committed for i in ids]
        return {
            "one_at_a_time": percentiles(one_by_one),
            "burst": {**percentiles(burst), "per_second": round(len(ids) / max(burst), 1)},
        }
    finally:
        stop.set()
        thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--workers", type=int, default=DeliverySettings().workers_per_destination)
    args = parser.parse_args()
    with LoopbackGateway().running() as gateway:
        if args.memory:
            store = InMemoryNotifications()
            result = run(Bench(store, store, store), gateway, args.messages, args.workers)
        else:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            create_schema(DSN, schema)
            view = PostgresNotifierView.from_dsn(DSN, schema)
            queue = PostgresDeliveryQueue.from_dsn(DSN, schema)
            devices = PostgresDeviceStore(DSN, schema)
            asyncio.run(devices.open())
            try:
                result = run(Bench(view, queue, devices), gateway, args.messages, args.workers)
            finally:
                view.close()
                queue.close()
                drop_schema(DSN, schema)
    store_name = "memory" if args.memory else "postgres"
    print({"store": store_name, "messages": args.messages, "workers": args.workers, **result})


if __name__ == "__main__":
    main()
