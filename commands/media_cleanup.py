"""Cleanup of media (docs/media.md, "Cleanup"), one round at a time:

- resumable uploads older than the max age, finished or not, are removed;
- a media older than the max age that no message carries is forgotten
  (its metadata deleted);
- a blob that no media (nor thumbnail) points at is deleted once it was
  found unreferenced by two rounds in a row, so that a blob stored just
  before its metadata is never taken for garbage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from commands.blob_store import BlobStore
from commands.media_catalog import MediaCatalog, MediaSharing
from commands.tus_uploads import TusUploads

BATCH = 500


@dataclass(frozen=True)
class CleanupRound:
    uploads_removed: int
    media_forgotten: int
    blobs_deleted: int


@dataclass
class MediaCleanup:
    blobs: BlobStore
    catalog: MediaCatalog
    sharing: MediaSharing
    uploads: TusUploads | None
    max_age: timedelta
    clock: Callable[[], datetime]
    _suspects: set[str] = field(default_factory=set)

    async def run_once(self) -> CleanupRound:
        now = self.clock()
        removed = (
            self.uploads.sweep(self.max_age.total_seconds(), now.timestamp())
            if self.uploads is not None
            else 0
        )
        forgotten = await self._forget_unsent(now - self.max_age)
        deleted = await self._delete_unreferenced_blobs()
        return CleanupRound(removed, forgotten, deleted)

    async def _forget_unsent(self, cutoff: datetime) -> int:
        old = await self.catalog.uploaded_before(cutoff, BATCH)
        carried = await self.sharing.media_in_messages([s.media.media_id for s in old])
        unsent = [s.media.media_id for s in old if s.media.media_id not in carried]
        for media_id in unsent:
            await self.catalog.delete(media_id)
        return len(unsent)

    async def _delete_unreferenced_blobs(self) -> int:
        referenced = await self.catalog.referenced_hashes()
        unreferenced = set(await self.blobs.hashes()) - referenced
        doomed = unreferenced & self._suspects
        for sha256 in doomed:
            await self.blobs.delete(sha256)
        self._suspects = unreferenced - doomed
        return len(doomed)
