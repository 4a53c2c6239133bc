"""The delivery loop on the in-memory store with push services the tests
control: retries, give-ups, rejections, leases, and one dead destination
that holds up nobody else."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import Tracking

from commands.devices import Device
from infra.memory.notifications import InMemoryNotifications
from infra.memory.push import InMemoryPushService
from projections.delivery_ports import PushAnswer, PushRequest, WebPushRequest
from projections.notification_ports import PENDING, Decision, Notice
from projections.notify_rules import destination
from projections.push_delivery import DeliverySettings, PushDelivery
from projections.push_policy import RetryPolicy

FAST = DeliverySettings(
    timeout=2,
    retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.05),
    lease=5,
    poll_interval=0.02,
    workers_per_destination=2,
)


class Zero:
    def unread_total(self, user_id: str) -> int:
        return 0


class Hanging:
    """A push service that never answers (until the test ends)."""

    def __init__(self) -> None:
        self.calls = 0
        self.released = asyncio.Event()

    async def send(self, request: PushRequest) -> PushAnswer:
        self.calls += 1
        await asyncio.sleep(3600)
        return PushAnswer(None, "never")


class Loop:
    def __init__(self, store: InMemoryNotifications, delivery: PushDelivery) -> None:
        self.store = store
        self.delivery = delivery
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(delivery.run(self.stop)))
        self.positions = iter(range(10_000))

    def device(self, user_id: str, name: str, endpoint: str | None = None) -> Device:
        kind = "webpush" if endpoint else "gateway"
        device = Device(
            f"{user_id}-{name}",
            user_id,
            kind,
            endpoint or f"app|{name}",
            datetime.now(UTC),
            endpoint=endpoint,
            p256dh="p" if endpoint else None,
            auth="a" if endpoint else None,
            app_id=None if endpoint else "app",
            pushkey=None if endpoint else f"{user_id}-{name}",
        )
        assert asyncio.run(self.store.save_device(device, 20))
        return device

    def notify(self, device: Device, message_id: int, conversation_id: str = "c1") -> None:
        notice = Notice(conversation_id, message_id, message_id, "s", datetime.now(UTC), None)
        self.store.record_decisions(
            notice,
            None,
            [Decision(device.user_id, device, PENDING)],
            {device.device_id: destination(device)},
            datetime.now(UTC),
            Tracking("chat.events.p0", next(self.positions)),
        )
        self.delivery.wake()

    def decisions(self, user_id: str) -> list[tuple[str, str, str | None]]:
        found = asyncio.run(self.store.decisions(user_id, 100))
        return [(d["message_id"], d["decision"], d["reason"]) for d in found]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "condition not met in time"
            time.sleep(0.01)


@pytest.fixture
def service() -> InMemoryPushService:
    return InMemoryPushService()


@contextmanager
def running(transports: dict[str, object], settings: DeliverySettings = FAST) -> Iterator[Loop]:
    store = InMemoryNotifications()
    delivery = PushDelivery(
        store,
        transports,  # type: ignore[arg-type]
        Zero(),
        settings,
        lambda: datetime.now(UTC),
    )
    loop = Loop(store, delivery)
    loop.thread.start()
    try:
        yield loop
    finally:
        loop.stop.set()
        loop.thread.join(10)


@pytest.fixture
def loop(service: InMemoryPushService) -> Iterator[Loop]:
    with running({"gateway": service, "webpush": service}) as started:
        yield started


def final(loop: Loop, user_id: str) -> Callable[[], bool]:
    return lambda: (
        all(d[1] != "pending" for d in loop.decisions(user_id)) and bool(loop.decisions(user_id))
    )


def test_a_pending_delivery_is_sent_once(loop: Loop, service: InMemoryPushService) -> None:
    loop.notify(loop.device("ben", "phone"), 1)
    loop.wait_until(final(loop, "ben"))
    assert loop.decisions("ben") == [("1", "sent", None)]
    assert len(service.received) == 1


def test_two_failures_then_success_is_sent_with_three_requests(
    loop: Loop, service: InMemoryPushService
) -> None:
    service.answer_next(PushAnswer(503), PushAnswer(None, "timeout"))
    loop.notify(loop.device("ben", "phone"), 1)
    loop.wait_until(final(loop, "ben"))
    assert loop.decisions("ben") == [("1", "sent", None)]
    assert len(service.received) == 3


def test_failing_every_attempt_ends_failed_with_the_reason(
    loop: Loop, service: InMemoryPushService
) -> None:
    service.answer_next(*[PushAnswer(502)] * 3)
    loop.notify(loop.device("ben", "phone"), 1)
    loop.wait_until(final(loop, "ben"))
    assert loop.decisions("ben") == [("1", "failed", "http 502 after 3 attempts")]


def test_a_client_error_is_not_retried(loop: Loop, service: InMemoryPushService) -> None:
    service.answer_next(PushAnswer(400))
    loop.notify(loop.device("ben", "phone"), 1)
    loop.wait_until(final(loop, "ben"))
    assert loop.decisions("ben") == [("1", "failed", "http 400")]
    assert len(service.received) == 1


def test_a_rejected_device_is_removed(loop: Loop, service: InMemoryPushService) -> None:
    service.forget("ben-phone")
    loop.notify(loop.device("ben", "phone"), 1)
    loop.wait_until(final(loop, "ben"))
    assert loop.decisions("ben")[0][1] == "rejected"
    assert asyncio.run(loop.store.devices("ben")) == []


def test_a_push_service_that_never_answers_holds_up_no_one_else(
    service: InMemoryPushService,
) -> None:
    dead = Hanging()

    class ByDestination:
        async def send(self, request: PushRequest) -> PushAnswer:
            if isinstance(request, WebPushRequest) and "dead.example" in request.endpoint:
                return await dead.send(request)
            return await service.send(request)

    with running({"webpush": ByDestination(), "gateway": service}) as loop:
        stuck = [loop.device(f"u{n}", "browser", f"https://dead.example/{n}") for n in range(4)]
        for number, device in enumerate(stuck):
            loop.notify(device, number + 1)
        loop.wait_until(lambda: dead.calls == FAST.workers_per_destination)
        loop.notify(loop.device("ben", "phone"), 99)
        loop.wait_until(lambda: loop.decisions("ben") == [("99", "sent", None)])
        assert dead.calls == FAST.workers_per_destination  # the rest wait in their queue


def test_an_open_breaker_stops_sending_to_that_destination(service: InMemoryPushService) -> None:
    settings = replace(FAST, breaker_threshold=2, breaker_cooldown=3600, workers_per_destination=1)
    service.answer_next(*[PushAnswer(503)] * 10)
    with running({"gateway": service}, settings) as loop:
        for number in range(4):
            loop.notify(loop.device(f"u{number}", "phone"), number + 1)
        loop.wait_until(lambda: len(service.received) >= 2)
        loop.wait_until(lambda: loop.delivery.lanes()["gateway"].breaker.blocked(datetime.now(UTC)))
        before, rounds = len(service.received), loop.delivery.rounds
        loop.notify(loop.device("late", "phone"), 50)
        loop.wait_until(lambda: loop.delivery.rounds >= rounds + 5)
        assert len(service.received) == before
        assert loop.decisions("late") == [("50", "pending", None)]
