"""What media the server takes: the type decided from the bytes (the
``filetype`` sniffer, never the header alone), its kind, and the size limit
of each kind, from settings; and the refusals of an upload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import filetype

SNIFF_BYTES = 8192
"""How many leading bytes the sniffer reads (filetype's own window)."""

DEFAULT_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "audio/ogg",
    "audio/webm",
    "audio/mpeg",
    "audio/mp4",
    "audio/x-wav",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "application/pdf",
    "application/zip",
)
MIB = 1024 * 1024
DEFAULT_LIMITS = {"image": 20 * MIB, "voice": 20 * MIB, "video": 500 * MIB, "file": 100 * MIB}

# Names a client may declare for the type the sniffer names.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/opus": "audio/ogg",
    "application/ogg": "audio/ogg",
    "audio/mp3": "audio/mpeg",
    "audio/m4a": "audio/mp4",
    "audio/x-m4a": "audio/mp4",
    "audio/wav": "audio/x-wav",
    "audio/wave": "audio/x-wav",
    "application/x-zip-compressed": "application/zip",
}
UNDECLARED = ("", "application/octet-stream")
AUDIO_IN_VIDEO_CONTAINERS = {"audio/webm": "video/webm", "audio/mp4": "video/mp4"}
"""Declared audio types whose bytes the sniffer names by their container
(a browser's MediaRecorder writes voice notes as audio/webm)."""
"""Declared types that leave the decision to the sniffer."""


class MediaRefused(Exception):
    """An upload or a media request refused; nothing was stored."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedMedia(MediaRefused):
    status = 415


class MediaTooLarge(MediaRefused):
    code = "too_large"
    status = 413


class EmptyMedia(MediaRefused):
    status = 400


class MediaNotFound(MediaRefused):
    code = "not_found"
    status = 404


def kind_of(content_type: str) -> str:
    major = content_type.split("/", 1)[0]
    return {"image": "image", "audio": "voice", "video": "video"}.get(major, "file")


def normalized(declared: str) -> str:
    bare = declared.split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


@dataclass(frozen=True)
class MediaPolicy:
    accepted_types: tuple[str, ...] = DEFAULT_TYPES
    max_bytes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    @property
    def largest(self) -> int:
        return max(self.max_bytes.values())

    def limit_of(self, kind: str) -> int:
        return self.max_bytes[kind]

    def content_type(self, head: bytes, declared: str) -> str:
        """The type of bytes starting with ``head``, if accepted and what
        ``declared`` says (UnsupportedMedia otherwise)."""
        guess = filetype.guess(head)
        sniffed: str | None = str(guess.mime) if guess is not None else None
        wanted = normalized(declared)
        if sniffed is not None and AUDIO_IN_VIDEO_CONTAINERS.get(wanted) == sniffed:
            sniffed = wanted
        if sniffed is None:
            raise UnsupportedMedia("the bytes are of no type this server recognizes")
        if wanted not in UNDECLARED and wanted != sniffed:
            raise UnsupportedMedia(f"the bytes are {sniffed}, not {wanted}")
        if sniffed not in self.accepted_types:
            raise UnsupportedMedia(f"{sniffed} is not accepted")
        return sniffed
