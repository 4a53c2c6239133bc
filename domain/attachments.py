"""Attachments of a message: the media a message carries (PROTOCOL.md,
"Media": the fields of a ``<media>`` object). A plain value; the media
issue decides where the bytes live."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

KINDS = ("image", "voice", "video", "file")


class MalformedAttachment(ValueError):
    """A stored attachment that does not have the fields of a media object."""


@dataclass(frozen=True)
class Attachment:
    media_id: str
    kind: str  # one of KINDS
    content_type: str
    size: int
    sha256: str  # lowercase hex
    width: int | None
    height: int | None
    duration_ms: int | None
    has_thumbnail: bool

    def as_json(self) -> dict[str, Any]:
        """The JSON object written on the log and covered by the hash chain."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Attachment:
        names = {spec.name for spec in fields(cls)}
        if not isinstance(value, Mapping) or set(value) != names:
            raise MalformedAttachment(f"an attachment has exactly the fields {sorted(names)}")
        return cls(**value)
