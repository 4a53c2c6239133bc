"""Devices and mutes: what the edge writes for the notifier to read. Nothing
here goes on the log (like accounts): a device is where to push, not chat
history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.device_rules import (
    GATEWAY,
    WEBPUSH,
    InvalidDevice,
    check_endpoint,
    check_gateway_device,
    check_webpush_keys,
    device_id,
    gateway_address,
)

MAX_DEVICES_PER_USER = 20


@dataclass(frozen=True)
class Device:
    """A browser (``webpush``: endpoint and keys) or a phone behind the push
    gateway (``gateway``: app id and pushkey)."""

    device_id: str
    user_id: str
    kind: str
    address: str
    """The endpoint, or ``app_id|pushkey``: unique per user and kind."""
    created_at: datetime
    endpoint: str | None = None
    p256dh: str | None = None
    auth: str | None = None
    app_id: str | None = None
    pushkey: str | None = None


class DeviceStore(Protocol):
    async def save_device(self, device: Device, max_per_user: int) -> bool:
        """Adds or updates the device (same id: new keys, same created_at)
        and removes the same address from every other user (a browser or
        phone serves one account at a time). False if the user already has
        ``max_per_user`` other devices."""
        ...

    async def devices(self, user_id: str) -> list[Device]:
        """The user's devices, oldest first."""
        ...

    async def delete_device(self, user_id: str, device_id: str) -> bool: ...

    async def set_muted(self, user_id: str, conversation_id: str, muted: bool) -> None: ...

    async def is_muted(self, user_id: str, conversation_id: str) -> bool: ...


@dataclass(frozen=True)
class PushOptions:
    """What this server can push to: the browsers' applicationServerKey (None:
    no VAPID key, no Web Push) and whether a push gateway is configured."""

    vapid_public_key: str | None
    gateway: bool
    allow_loopback: bool = False


class Devices:
    def __init__(self, store: DeviceStore, options: PushOptions) -> None:
        self._store = store
        self.options = options

    async def register_webpush(
        self, user_id: str, endpoint: str, p256dh: str, auth: str, now: datetime
    ) -> str:
        check_endpoint(endpoint, self.options.allow_loopback)
        check_webpush_keys(p256dh, auth)
        if self.options.vapid_public_key is None:
            raise InvalidDevice("this server does not do Web Push (no VAPID key is configured)")
        device = Device(
            device_id(user_id, WEBPUSH, endpoint),
            user_id,
            WEBPUSH,
            endpoint,
            now,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
        )
        return await self._save(device)

    async def register_gateway(self, user_id: str, app_id: str, pushkey: str, now: datetime) -> str:
        check_gateway_device(app_id, pushkey)
        if not self.options.gateway:
            raise InvalidDevice("this server has no push gateway for phones (none is configured)")
        address = gateway_address(app_id, pushkey)
        device = Device(
            device_id(user_id, GATEWAY, address),
            user_id,
            GATEWAY,
            address,
            now,
            app_id=app_id,
            pushkey=pushkey,
        )
        return await self._save(device)

    async def _save(self, device: Device) -> str:
        if not await self._store.save_device(device, MAX_DEVICES_PER_USER):
            raise InvalidDevice(f"a user has at most {MAX_DEVICES_PER_USER} devices")
        return device.device_id

    async def devices(self, user_id: str) -> list[Device]:
        return await self._store.devices(user_id)

    async def delete(self, user_id: str, device_id: str) -> bool:
        return await self._store.delete_device(user_id, device_id)

    async def set_muted(self, user_id: str, conversation_id: str, muted: bool) -> None:
        await self._store.set_muted(user_id, conversation_id, muted)

    async def is_muted(self, user_id: str, conversation_id: str) -> bool:
        return await self._store.is_muted(user_id, conversation_id)
