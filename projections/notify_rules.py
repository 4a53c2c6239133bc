"""Who gets a notification for a posted message, on which device, and why
not (PROTOCOL.md, "Devices and push notifications"). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from commands.device_rules import WEBPUSH
from commands.devices import Device
from projections.notification_ports import (
    EXPIRED,
    MUTED,
    NO_DEVICE,
    ONLINE,
    PENDING,
    SKIPPED,
    Decision,
    Notice,
    Recipient,
)

GATEWAY_DESTINATION = "gateway"


def decide(
    notice: Notice,
    recipients: Iterable[Recipient],
    online: frozenset[str],
    now: datetime,
    max_age: timedelta,
    keep_for: timedelta | None = None,
) -> list[Decision]:
    """One decision per recipient device (one without a device for a
    recipient who has none or is skipped before devices matter). The
    sender is never a recipient, so no decision is ever taken for it.
    A message older than ``keep_for`` (the decisions' retention) gets none
    at all: a notifier started on a long log does not write a row per
    recipient device for the whole history, only to prune it."""
    if keep_for is not None and now - notice.sent_at > keep_for:
        return []
    decisions: list[Decision] = []
    expired = now - notice.sent_at > max_age
    for recipient in recipients:
        reason = _skip_reason(recipient, online, expired)
        if reason is not None:
            devices: tuple[Device | None, ...] = recipient.devices or (None,)
            decisions += [Decision(recipient.user_id, d, SKIPPED, reason) for d in devices]
        else:
            decisions += [Decision(recipient.user_id, d, PENDING) for d in recipient.devices]
    return decisions


def _skip_reason(recipient: Recipient, online: frozenset[str], expired: bool) -> str | None:
    if expired:
        return EXPIRED
    if recipient.muted:
        return MUTED
    if recipient.user_id in online:
        return ONLINE
    if not recipient.devices:
        return NO_DEVICE
    return None


def destination(device: Device) -> str:
    """Where a device's pushes go: a Web Push service's origin, or the
    gateway. Each has its own queue and circuit breaker."""
    if device.kind == WEBPUSH and device.endpoint:
        parts = urlsplit(device.endpoint)
        return f"{parts.scheme}://{parts.netloc}".lower()
    return GATEWAY_DESTINATION
