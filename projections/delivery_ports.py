"""Ports of the delivery loop: the queue of pending deliveries (the
notifier's outbox), the push transports (Web Push, the Matrix push
gateway) and the unread counts for the badge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from commands.devices import Device


@dataclass(frozen=True)
class Delivery:
    """A pending notification leased to this process."""

    user_id: str
    decision_id: int
    device: Device
    conversation_id: str
    message_id: int
    """The latest message folded into it: the idempotency key (``event_id``)."""
    seq: int
    sender_id: str
    title: str | None
    body: str | None
    folded: int
    """How many messages it stands for (1 + those collapsed into it)."""
    attempts: int
    destination: str


class DeliveryQueue(Protocol):
    """Pending deliveries in the store, leased so that one process at a time
    sends each; a lease that runs out (a killed process) makes it due again."""

    def claim(
        self, now: datetime, limit: int, lease_until: datetime, excluded: Sequence[str]
    ) -> list[Delivery]:
        """Due, unleased deliveries (at most one per device, and none for a
        device that has one leased), not to the ``excluded`` destinations,
        oldest first, leased until ``lease_until``. Those whose device was
        deleted end as ``failed`` instead."""
        ...

    def renew(self, keys: Sequence[tuple[str, int]], lease_until: datetime) -> None: ...

    def release(self, keys: Sequence[tuple[str, int]], due: datetime) -> None:
        """Back to pending, due at ``due``, without counting an attempt."""
        ...

    def sent(self, delivery: Delivery, at: datetime) -> None: ...

    def retry(self, delivery: Delivery, due: datetime, reason: str) -> None:
        """One attempt more; pending again, due at ``due``."""
        ...

    def failed(self, delivery: Delivery, at: datetime, reason: str) -> None: ...

    def rejected(self, delivery: Delivery, at: datetime, reason: str) -> None:
        """The push service refused the device for good: the decision is
        ``rejected`` and the device is deleted."""
        ...

    def prune(self, before: datetime) -> int:
        """Deletes finished decisions taken before then; how many."""
        ...


class UnreadCounter(Protocol):
    def unread_total(self, user_id: str) -> int:
        """The user's unread messages over all conversations (the badge)."""
        ...


@dataclass(frozen=True)
class WebPushRequest:
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    """Encrypted by the transport (RFC 8291 ``aes128gcm``)."""
    topic: str
    ttl: int
    urgency: str = "high"


@dataclass(frozen=True)
class GatewayRequest:
    body: Mapping[str, Any]
    """The Matrix ``/_matrix/push/v1/notify`` request body."""
    pushkey: str


PushRequest = WebPushRequest | GatewayRequest


@dataclass(frozen=True)
class PushAnswer:
    """What the push service said: an HTTP status, or none (``error`` says
    why: a timeout, a refused connection, an address not allowed)."""

    status: int | None
    error: str = ""
    retry_after: float | None = None
    device_gone: bool = False
    """Web Push 404/410, or the gateway listed the pushkey in ``rejected``."""


class PushTransport(Protocol):
    async def send(self, request: PushRequest) -> PushAnswer: ...
