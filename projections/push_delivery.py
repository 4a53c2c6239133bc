"""The delivery loop: takes pending deliveries from the notifier's outbox
and sends them, at least once, with the message id as idempotency key.

Each destination (a Web Push service's origin, or the gateway) has its own
bounded queue, its own workers and its own circuit breaker, so a dead or
slow one never holds up the others, nor the projection (which only writes
the outbox). Deliveries are leased in the store while queued or in flight
and the leases renewed; after a crash they are due again once the lease
runs out."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from commands.device_rules import WEBPUSH
from projections.delivery_ports import (
    Delivery,
    DeliveryQueue,
    GatewayRequest,
    PushAnswer,
    PushRequest,
    PushTransport,
    UnreadCounter,
    WebPushRequest,
)
from projections.notification_ports import FAILED, REJECTED, SENT
from projections.push_payloads import gateway_body, topic, webpush_payload
from projections.push_policy import RETRY, CircuitBreaker, RetryPolicy, outcome

log = logging.getLogger(__name__)
T = TypeVar("T")
Key = tuple[str, int]


@dataclass(frozen=True)
class DeliverySettings:
    timeout: float = 10.0
    """Seconds for one request, connection included."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lease: float = 30.0
    queue_per_destination: int = 100
    workers_per_destination: int = 4
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    claim_batch: int = 100
    poll_interval: float = 0.5
    webpush_ttl: int = 24 * 3600
    retention: timedelta = timedelta(days=7)
    prune_interval: float = 60.0


class Lane:
    """One destination: its bounded queue, its workers, its breaker."""

    def __init__(self, destination: str, settings: DeliverySettings) -> None:
        self.destination = destination
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue(settings.queue_per_destination)
        self.breaker = CircuitBreaker(settings.breaker_threshold, settings.breaker_cooldown)
        self.workers: list[asyncio.Task[None]] = []


class PushDelivery:
    def __init__(
        self,
        queue: DeliveryQueue,
        transports: Mapping[str, PushTransport],
        unread: UnreadCounter,
        settings: DeliverySettings,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self._queue = queue
        self._transports = transports
        self._unread = unread
        self._settings = settings
        self._clock = clock
        self._rng = rng or random.Random()
        self._lanes: dict[str, Lane] = {}
        self._leased: dict[Key, Delivery] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self.rounds = 0
        """Claims made so far (tests wait on it)."""

    def wake(self) -> None:
        """New deliveries may be due (any thread)."""
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(wakeup.set)

    def lanes(self) -> dict[str, Lane]:
        return dict(self._lanes)

    async def run(self, stop: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        chores = [
            asyncio.create_task(self._every(self._settings.lease / 3, self._renew)),
            asyncio.create_task(self._every(self._settings.prune_interval, self._prune)),
        ]
        try:
            while not stop.is_set():
                claimed = await self._guarded(self._dispatch, 0)
                if claimed < self._settings.claim_batch:
                    await self._nap()
        finally:
            for task in chores + [w for lane in self._lanes.values() for w in lane.workers]:
                task.cancel()
            await asyncio.gather(*chores, return_exceptions=True)
            await self._guarded(self._release_all, None)

    async def _nap(self) -> None:
        assert self._wakeup is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self._settings.poll_interval)
        self._wakeup.clear()

    async def _dispatch(self) -> int:
        self.rounds += 1
        now = self._clock()
        excluded = [
            lane.destination
            for lane in self._lanes.values()
            if lane.queue.full() or lane.breaker.blocked(now)
        ]
        lease_until = now + timedelta(seconds=self._settings.lease)
        claimed = await asyncio.to_thread(
            self._queue.claim, now, self._settings.claim_batch, lease_until, excluded
        )
        overflow: list[Key] = []
        for delivery in claimed:
            lane = self._lane(delivery.destination)
            if lane.queue.full():
                overflow.append(_key(delivery))
                continue
            self._leased[_key(delivery)] = delivery
            lane.queue.put_nowait(delivery)
        if overflow:
            await asyncio.to_thread(self._queue.release, overflow, now)
        return len(claimed)

    def _lane(self, destination: str) -> Lane:
        lane = self._lanes.get(destination)
        if lane is None:
            lane = self._lanes[destination] = Lane(destination, self._settings)
            lane.workers = [
                asyncio.create_task(self._work(lane))
                for _ in range(self._settings.workers_per_destination)
            ]
        return lane

    async def _work(self, lane: Lane) -> None:
        while True:
            delivery = await lane.queue.get()
            await self._guarded(functools.partial(self._deliver, lane, delivery), None)
            self._leased.pop(_key(delivery), None)

    async def _deliver(self, lane: Lane, delivery: Delivery) -> None:
        now = self._clock()
        if not lane.breaker.allow(now):  # opened while this one waited
            due = lane.breaker.reopens_at or now
            await asyncio.to_thread(self._queue.release, [_key(delivery)], due)
            return
        transport = self._transports.get(delivery.device.kind)
        if transport is None:
            reason = f"no {delivery.device.kind} transport is configured"
            await asyncio.to_thread(self._queue.failed, delivery, now, reason)
            return
        answer = await self._send(transport, await self._request(delivery))
        now = self._clock()
        lane.breaker.record(answer, now)
        await self._record(delivery, answer, now)

    async def _send(self, transport: PushTransport, request: PushRequest) -> PushAnswer:
        try:
            return await asyncio.wait_for(transport.send(request), self._settings.timeout + 1)
        except TimeoutError:
            return PushAnswer(None, "timeout")

    async def _request(self, delivery: Delivery) -> PushRequest:
        try:
            counted = await asyncio.to_thread(self._unread.unread_total, delivery.user_id)
        except Exception as error:  # the badge is a hint: never hold the push for it
            log.warning("unread count failed: %s", error)
            counted = 0
        unread = max(counted, delivery.folded)
        device = delivery.device
        if device.kind == WEBPUSH:
            return WebPushRequest(
                endpoint=device.endpoint or "",
                p256dh=device.p256dh or "",
                auth=device.auth or "",
                payload=webpush_payload(delivery, unread),
                topic=topic(delivery.conversation_id),
                ttl=self._settings.webpush_ttl,
            )
        return GatewayRequest(gateway_body(delivery, unread), device.pushkey or "")

    async def _record(self, delivery: Delivery, answer: PushAnswer, now: datetime) -> None:
        attempt = delivery.attempts + 1
        result, reason = outcome(answer, attempt, self._settings.retry)
        if result == SENT:
            await asyncio.to_thread(self._queue.sent, delivery, now)
        elif result == RETRY:
            wait = self._settings.retry.delay(attempt, answer, self._rng)
            due = now + timedelta(seconds=wait)
            await asyncio.to_thread(self._queue.retry, delivery, due, reason)
        elif result == REJECTED:
            await asyncio.to_thread(self._queue.rejected, delivery, now, reason)
        else:
            assert result == FAILED
            await asyncio.to_thread(self._queue.failed, delivery, now, reason)
        log.info("push %s to %s: %s %s", delivery.message_id, delivery.destination, result, reason)

    async def _renew(self) -> None:
        if self._leased:
            until = self._clock() + timedelta(seconds=self._settings.lease)
            await asyncio.to_thread(self._queue.renew, list(self._leased), until)

    async def _prune(self) -> None:
        removed = await asyncio.to_thread(
            self._queue.prune, self._clock() - self._settings.retention
        )
        if removed:
            log.info("pruned %d old notification decisions", removed)

    async def _release_all(self) -> None:
        """On a clean stop, what this process holds is due again at once."""
        if self._leased:
            keys, self._leased = list(self._leased), {}
            await asyncio.to_thread(self._queue.release, keys, self._clock())

    async def _every(self, interval: float, chore: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._guarded(chore, None)

    async def _guarded(self, step: Callable[[], Awaitable[T]], fallback: Any) -> T:
        """A store or transport failure is logged; the loop goes on (leases
        run out, so nothing is lost)."""
        try:
            return await step()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("push delivery: %s: %s", type(error).__name__, error)
            return fallback  # type: ignore[no-any-return]


def _key(delivery: Delivery) -> Key:
    return (delivery.user_id, delivery.decision_id)
