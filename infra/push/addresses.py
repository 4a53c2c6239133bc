"""SSRF guard for Web Push: endpoints come from users, so every address the
client connects to is checked when it connects (a name that resolves to a
private or loopback address is refused, however it was registered)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from commands.device_rules import is_public_address, literal_address


class AddressNotAllowed(OSError):
    """The endpoint's host is, or resolves to, an address that is not public."""


def allowed(address: str, allow_loopback: bool) -> bool:
    parsed = ipaddress.ip_address(address.split("%")[0])
    return is_public_address(parsed) or (allow_loopback and parsed.is_loopback)


def check_literal_host(url: str, allow_loopback: bool) -> None:
    """aiohttp connects to a literal address without asking the resolver."""
    host = urlsplit(url).hostname or ""
    address = literal_address(host)
    if address is not None and not allowed(str(address), allow_loopback):
        raise AddressNotAllowed(f"{host} is not a public address")


class PublicOnlyResolver(AbstractResolver):
    def __init__(self, allow_loopback: bool) -> None:
        self._inner = DefaultResolver()
        self._allow_loopback = allow_loopback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host == "localhost" and self._allow_loopback:
            return [_result(host, "127.0.0.1", port)]
        found = await self._inner.resolve(host, port, family)
        kept = [entry for entry in found if allowed(entry["host"], self._allow_loopback)]
        if not kept:
            raise AddressNotAllowed(f"{host} resolves to no public address")
        return kept

    async def close(self) -> None:
        await self._inner.close()


def _result(hostname: str, address: str, port: int) -> Any:
    return {
        "hostname": hostname,
        "host": address,
        "port": port,
        "family": socket.AF_INET,
        "proto": 0,
        "flags": socket.AI_NUMERICHOST,
    }
