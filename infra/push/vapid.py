"""VAPID keys (RFC 8292): a P-256 key pair. The private key is kept as the
URL-safe base64 of its 32 raw bytes (``CHAT_VAPID_PRIVATE_KEY``); the public
key, the browsers' ``applicationServerKey``, is derived from it."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


class BadVapidKey(ValueError):
    pass


@dataclass(frozen=True)
class VapidKeys:
    private_key: str
    public_key: str

    def signer(self) -> Vapid02:
        return Vapid02.from_raw(self.private_key.encode())


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _public_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


def generate_vapid_keys() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return VapidKeys(_b64url(raw), _public_of(key))


def load_vapid_keys(private_key: str) -> VapidKeys:
    """From the base64 of the 32 raw bytes (what ``chatapp vapid-keys``
    prints) or a PEM / DER key as py_vapid reads them."""
    try:
        signer = Vapid02.from_string(private_key.strip())
    except Exception as error:
        raise BadVapidKey(f"not a P-256 private key: {type(error).__name__}") from None
    key = signer.private_key
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return VapidKeys(_b64url(raw), _public_of(key))
