"""Cleanup rounds: abandoned resumable uploads, media never sent, and blobs
no media points at (deleted on the second round that finds them)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from commands.media_catalog import StoredMedia
from commands.media_cleanup import MediaCleanup
from commands.tus_uploads import TusUploads
from domain.attachments import Attachment
from infra.localfs.blob_store import LocalFolderBlobStore
from infra.memory.media_catalog import InMemoryMediaCatalog

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)


class _Carried:
    def __init__(self, *media_ids: str) -> None:
        self.carried = set(media_ids)

    async def shares_media(self, media_id: str, user_id: str) -> bool:
        return media_id in self.carried

    async def media_in_messages(self, media_ids: list[str]) -> set[str]:
        return self.carried & set(media_ids)


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _media(media_id: str, data: bytes) -> Attachment:
    sha = hashlib.sha256(data).hexdigest()
    return Attachment(media_id, "file", "application/pdf", len(data), sha, None, None, None, False)


def _cleanup(tmp_path: Path, now: datetime, *carried: str) -> MediaCleanup:
    return MediaCleanup(
        LocalFolderBlobStore(tmp_path / "blobs"),
        InMemoryMediaCatalog(),
        _Carried(*carried),
        TusUploads(tmp_path / "uploads"),
        DAY,
        lambda: now,
    )


def test_an_upload_older_than_the_max_age_is_removed(tmp_path: Path) -> None:
    cleanup = _cleanup(tmp_path, T0 + 2 * DAY)
    assert cleanup.uploads is not None
    old = cleanup.uploads.create("ann", 10, "application/pdf")
    new = cleanup.uploads.create("ann", 10, "application/pdf")
    state = tmp_path / "uploads" / f"{old.upload_id}.json"
    state.write_text(state.read_text().replace(str(old.created_at), str(T0.timestamp())))
    cleanup.clock = lambda: datetime.fromtimestamp(new.created_at, UTC) + DAY / 2
    done = asyncio.run(cleanup.run_once())
    assert done.uploads_removed == 1
    assert cleanup.uploads.find(old.upload_id, "ann") is None
    assert cleanup.uploads.find(new.upload_id, "ann") is not None


def test_an_old_media_no_message_carries_is_forgotten_and_its_blob_deleted_later(
    tmp_path: Path,
) -> None:
    cleanup = _cleanup(tmp_path, T0 + 2 * DAY, "sent")

    async def scenario() -> list[object]:
        for media_id, data in (("sent", b"kept bytes"), ("unsent", b"lost bytes")):
            media = _media(media_id, data)
            await cleanup.blobs.put(media.sha256, _one(data))
            await cleanup.catalog.add(StoredMedia(media, "ann", T0))
        first = await cleanup.run_once()
        second = await cleanup.run_once()
        return [first, second, await cleanup.blobs.hashes(), await cleanup.catalog.find("sent")]

    first, second, hashes, sent = asyncio.run(scenario())
    assert (first.media_forgotten, first.blobs_deleted) == (1, 0)  # type: ignore[attr-defined]
    assert second.blobs_deleted == 1  # type: ignore[attr-defined]
    assert hashes == [hashlib.sha256(b"kept bytes").hexdigest()]
    assert sent is not None


def test_a_recent_media_is_kept_even_if_no_message_carries_it(tmp_path: Path) -> None:
    cleanup = _cleanup(tmp_path, T0 + DAY / 2)

    async def scenario() -> object:
        media = _media("fresh", b"fresh bytes")
        await cleanup.blobs.put(media.sha256, _one(b"fresh bytes"))
        await cleanup.catalog.add(StoredMedia(media, "ann", T0))
        await cleanup.run_once()
        await cleanup.run_once()
        return await cleanup.blobs.head(media.sha256)

    assert asyncio.run(scenario()) == len(b"fresh bytes")
