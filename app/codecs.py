"""The event codec and the record cipher, from settings."""

from __future__ import annotations

import binascii

from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from app.settings import Settings, SettingsError
from domain.codec import EventCodec
from domain.snapshot_codec import SnapshotCodec


def record_cipher(settings: Settings) -> Cipher | None:
    """AES-GCM over record values when CHAT_EVENT_CIPHER_KEY is set (base64 of
    16, 24 or 32 random bytes); None otherwise."""
    if not settings.event_cipher_key:
        return None
    try:
        return AESCipher(Environment(env={AESCipher.CIPHER_KEY: settings.event_cipher_key}))
    except (ValueError, binascii.Error) as error:
        raise SettingsError(f"CHAT_EVENT_CIPHER_KEY is not a valid AES key: {error}") from None


def event_codec(settings: Settings) -> EventCodec:
    return EventCodec(cipher=record_cipher(settings))


def snapshot_codec(settings: Settings) -> SnapshotCodec:
    """Snapshots are enciphered like the events they stand for."""
    return SnapshotCodec(cipher=record_cipher(settings))
