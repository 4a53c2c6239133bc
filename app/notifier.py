"""The notifier role's wiring, shared by the real stack and the embedded
mode: its settings, the push transports, and its two loops (the
projection, and the delivery loop on its own event loop in a thread)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from datetime import timedelta

from app.settings import Settings, SettingsError
from app.supervise import supervised
from commands.device_rules import GATEWAY, WEBPUSH
from commands.devices import PushOptions
from infra.push.gateway import GatewayTransport
from infra.push.vapid import BadVapidKey, VapidKeys, generate_vapid_keys, load_vapid_keys
from infra.push.webpush import WebPushTransport
from projections.delivery_ports import PushTransport
from projections.notifier import Notifier, NotifyPolicy
from projections.ports import EventFeed
from projections.push_delivery import DeliverySettings, PushDelivery
from projections.push_policy import RetryPolicy

log = logging.getLogger(__name__)


def vapid_keys(settings: Settings, *, ephemeral: bool = False) -> VapidKeys | None:
    """The configured key pair; with none configured, a fresh one if
    ``ephemeral`` (embedded mode: nothing outlives the process anyway)."""
    if not settings.vapid_private_key:
        if ephemeral:
            log.warning("no CHAT_VAPID_PRIVATE_KEY: Web Push uses a key pair made for this run")
            return generate_vapid_keys()
        return None
    try:
        return load_vapid_keys(settings.vapid_private_key)
    except BadVapidKey as error:
        raise SettingsError(f"CHAT_VAPID_PRIVATE_KEY: {error}") from None


def push_options(settings: Settings, keys: VapidKeys | None) -> PushOptions:
    return PushOptions(
        vapid_public_key=keys.public_key if keys else None,
        gateway=bool(settings.push_gateway_url),
        allow_loopback=settings.push_allow_loopback,
    )


def notify_policy(settings: Settings) -> NotifyPolicy:
    return NotifyPolicy(
        max_age=timedelta(seconds=settings.push_max_age_seconds),
        include_body=settings.push_include_body,
        keep_for=timedelta(seconds=settings.push_retention_seconds),
    )


def delivery_settings(settings: Settings) -> DeliverySettings:
    return DeliverySettings(
        timeout=settings.push_timeout_seconds,
        retry=RetryPolicy(
            max_attempts=settings.push_max_attempts, base=settings.push_retry_base_seconds
        ),
        lease=settings.push_lease_seconds,
        queue_per_destination=settings.push_queue_per_destination,
        breaker_threshold=settings.push_breaker_failures,
        breaker_cooldown=settings.push_breaker_cooldown_seconds,
        retention=timedelta(seconds=settings.push_retention_seconds),
    )


def push_transports(settings: Settings, keys: VapidKeys | None) -> dict[str, PushTransport]:
    transports: dict[str, PushTransport] = {}
    if keys is not None:
        transports[WEBPUSH] = WebPushTransport(
            keys,
            settings.vapid_subject,
            settings.push_timeout_seconds,
            settings.push_allow_loopback,
        )
    if settings.push_gateway_url:
        transports[GATEWAY] = GatewayTransport(
            settings.push_gateway_url, settings.push_timeout_seconds
        )
    return transports


def run_delivery(
    delivery: PushDelivery, transports: Mapping[str, PushTransport], stop: threading.Event
) -> None:
    async def main() -> None:
        try:
            await delivery.run(stop)
        finally:
            for transport in transports.values():
                close = getattr(transport, "close", None)
                if close is not None:
                    await close()

    asyncio.run(main())


def notifier_threads(
    notifier: Notifier,
    feed: EventFeed,
    delivery: PushDelivery,
    transports: Mapping[str, PushTransport],
    stop: threading.Event,
) -> list[threading.Thread]:
    """The projection and the delivery loop, each a crash-only thread."""
    return [
        supervised("notifier", notifier.run, feed, stop),
        supervised("push delivery", run_delivery, delivery, transports, stop),
    ]
