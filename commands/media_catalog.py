"""Media metadata: what was uploaded, by whom, and where its bytes and its
thumbnail are (PostgreSQL in ``infra/postgres``, in memory in
``infra/memory``; one contract suite)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.attachments import Attachment


@dataclass(frozen=True)
class StoredMedia:
    media: Attachment
    uploader_id: str
    uploaded_at: datetime
    thumbnail_sha256: str | None = None


class MediaCatalog(Protocol):
    async def add(self, stored: StoredMedia) -> None: ...

    async def find(self, media_id: str) -> StoredMedia | None: ...

    async def delete(self, media_id: str) -> None: ...

    async def uploaded_since(self, user_id: str, since: datetime) -> tuple[int, int]:
        """How many media ``user_id`` uploaded at or after ``since``, and their bytes."""
        ...

    async def uploaded_before(self, cutoff: datetime, limit: int) -> list[StoredMedia]:
        """Up to ``limit`` media uploaded before ``cutoff``, oldest first."""
        ...

    async def referenced_hashes(self) -> set[str]:
        """Every blob hash a media (or its thumbnail) points at."""
        ...


class MediaSharing(Protocol):
    async def shares_media(self, media_id: str, user_id: str) -> bool:
        """Whether ``user_id`` is a member of a conversation with a message
        that carries the media."""
        ...

    async def media_in_messages(self, media_ids: list[str]) -> set[str]:
        """Those of ``media_ids`` that some message carries."""
        ...
