"""The upload's spooling: the type is sniffed from the first bytes and the
limit of its kind stops the upload while it streams in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commands.media import MediaService
from commands.media_types import MediaPolicy, MediaTooLarge, UnsupportedMedia
from infra.localfs.blob_store import LocalFolderBlobStore
from infra.memory.limits import InMemoryRateLimiter
from infra.memory.media_catalog import InMemoryMediaCatalog
from tests.support import media_files


class _NoSharing:
    async def shares_media(self, media_id: str, user_id: str) -> bool:
        return False

    async def media_in_messages(self, media_ids: list[str]) -> set[str]:
        return set()


def _service(tmp_path: Path) -> MediaService:
    policy = MediaPolicy(max_bytes={"image": 100_000, "voice": 1, "video": 1, "file": 10**6})
    return MediaService(
        LocalFolderBlobStore(tmp_path / "blobs"),
        InMemoryMediaCatalog(),
        _NoSharing(),
        policy,
        lambda: datetime(2026, 1, 1, tzinfo=UTC),
        InMemoryRateLimiter(),
    )


def test_an_image_over_its_limit_is_refused_before_the_rest_is_read(tmp_path: Path) -> None:
    read: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield media_files.png()
        for index in range(1000):
            read.append(index)
            yield b"\0" * 10_000

    async def scenario() -> None:
        with pytest.raises(MediaTooLarge):
            await _service(tmp_path).spool(tmp_path / "up", "image/png", chunks())

    asyncio.run(scenario())
    assert len(read) <= 11  # 100 kB: the 11th chunk passes it


def test_bytes_of_another_type_than_declared_are_refused_at_the_first_chunk(
    tmp_path: Path,
) -> None:
    read: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield media_files.png() + b"\0" * 9000
        for index in range(10):
            read.append(index)
            yield b"\0" * 10_000

    async def scenario() -> None:
        with pytest.raises(UnsupportedMedia):
            await _service(tmp_path).spool(tmp_path / "up", "application/pdf", chunks())

    asyncio.run(scenario())
    assert read == []
