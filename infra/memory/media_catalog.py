"""Media metadata in memory (the embedded mode's and the tests' twin of
``infra/postgres/media_catalog.py``)."""

from __future__ import annotations

import threading
from datetime import datetime

from commands.media_catalog import StoredMedia


class InMemoryMediaCatalog:
    def __init__(self) -> None:
        self._media: dict[str, StoredMedia] = {}
        self._lock = threading.Lock()

    async def add(self, stored: StoredMedia) -> None:
        with self._lock:
            self._media[stored.media.media_id] = stored

    async def find(self, media_id: str) -> StoredMedia | None:
        with self._lock:
            return self._media.get(media_id)

    async def delete(self, media_id: str) -> None:
        with self._lock:
            self._media.pop(media_id, None)

    async def uploaded_since(self, user_id: str, since: datetime) -> tuple[int, int]:
        with self._lock:
            mine = [
                s
                for s in self._media.values()
                if s.uploader_id == user_id and s.uploaded_at >= since
            ]
        return len(mine), sum(s.media.size for s in mine)

    async def uploaded_before(self, cutoff: datetime, limit: int) -> list[StoredMedia]:
        with self._lock:
            old = [s for s in self._media.values() if s.uploaded_at < cutoff]
        old.sort(key=lambda s: (s.uploaded_at, s.media.media_id))
        return old[:limit]

    async def referenced_hashes(self) -> set[str]:
        with self._lock:
            stored = list(self._media.values())
        hashes = {s.media.sha256 for s in stored}
        return hashes | {s.thumbnail_sha256 for s in stored if s.thumbnail_sha256}
