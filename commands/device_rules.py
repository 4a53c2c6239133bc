"""What a device registration must look like (PROTOCOL.md, "Devices and push
notifications"): a Web Push subscription with an https endpoint on a public
host and keys of the sizes RFC 8291 fixes, or a gateway app id and pushkey
within the Matrix Push Gateway API's limits. Pure: no I/O (a host name is
not resolved here; the push client checks every address it connects to)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
import uuid
from urllib.parse import urlsplit

from domain.errors import DomainError

MAX_ENDPOINT = 2048
P256DH_BYTES = 65  # an uncompressed P-256 point: 0x04 || x || y
AUTH_BYTES = 16
MAX_KEY_TEXT = 128
MAX_APP_ID = 64  # the Matrix pusher limit
MAX_PUSHKEY = 512  # bytes, the Matrix pusher limit
WEBPUSH, GATEWAY = "webpush", "gateway"
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain")
_DEVICE_NAMESPACE = uuid.UUID("0d3c7f4e-2a4b-4f7e-9b1d-8f5e6c2a9d10")


class InvalidDevice(DomainError):
    """A registration that can never be delivered to (answered 422)."""

    code = "bad_request"


def device_id(user_id: str, kind: str, address: str) -> str:
    """The same registration by the same user always gets the same id."""
    return str(uuid.uuid5(_DEVICE_NAMESPACE, f"{user_id}|{kind}|{address}"))


def gateway_address(app_id: str, pushkey: str) -> str:
    return f"{app_id}|{pushkey}"


def check_endpoint(endpoint: str, allow_loopback: bool) -> None:
    """An https URL on a public host; with ``allow_loopback`` (tests) also
    http or https on 127.0.0.0/8, ::1 or localhost."""
    if len(endpoint) > MAX_ENDPOINT:
        raise InvalidDevice(f"endpoint is longer than {MAX_ENDPOINT} characters")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises for a port that is not a number)
    except ValueError:
        raise InvalidDevice("endpoint is not a URL") from None
    if not host or parts.username is not None or parts.password is not None:
        raise InvalidDevice("endpoint must be a URL with a host and no user name")
    loopback = is_loopback_host(host)
    if loopback and allow_loopback:
        if parts.scheme not in ("http", "https"):
            raise InvalidDevice("endpoint must be an http(s) URL")
        return
    if parts.scheme != "https":
        raise InvalidDevice("endpoint must be an https URL")
    if loopback or not is_public_host(host):
        raise InvalidDevice("endpoint must be on a public host (not loopback or private)")


def is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = literal_address(host)
    return address is not None and address.is_loopback


def is_public_host(host: str) -> bool:
    """A literal address that is globally routable, or a dotted name that is
    not a local one. Names are resolved (and checked again) when sending."""
    address = literal_address(host)
    if address is not None:
        return is_public_address(address)
    return "." in host.strip(".") and not host.endswith(_LOCAL_SUFFIXES)


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, in any form a resolver would
    accept (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``[::1]``), or None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def check_webpush_keys(p256dh: str, auth: str) -> None:
    for name, value, size in (("p256dh", p256dh, P256DH_BYTES), ("auth", auth, AUTH_BYTES)):
        if len(value) > MAX_KEY_TEXT:
            raise InvalidDevice(f"keys.{name} is longer than {MAX_KEY_TEXT} characters")
        raw = b64url_bytes(value)
        if raw is None or len(raw) != size:
            raise InvalidDevice(f"keys.{name} must be {size} bytes in URL-safe base64")
    if b64url_bytes(p256dh)[:1] != b"\x04":  # type: ignore[index]
        raise InvalidDevice("keys.p256dh must be an uncompressed P-256 point")


def check_gateway_device(app_id: str, pushkey: str) -> None:
    if not 1 <= len(app_id) <= MAX_APP_ID or not app_id.isprintable():
        raise InvalidDevice(f"app_id must be 1 to {MAX_APP_ID} printable characters")
    if not pushkey or len(pushkey.encode()) > MAX_PUSHKEY:
        raise InvalidDevice(f"pushkey must be 1 to {MAX_PUSHKEY} bytes")


def b64url_bytes(text: str) -> bytes | None:
    if not text or any(c not in _B64URL for c in text.rstrip("=")):
        return None
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
