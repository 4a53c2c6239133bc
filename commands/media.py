"""Uploads and downloads of media (PROTOCOL.md, "Media"). An upload streams
to a temporary file on disk (never whole in memory), hashing as it goes;
its type is sniffed from the first bytes, so the size limit of its kind
stops it while it streams in (413). The file is then inspected (images,
voice, video) off the event loop and its blob (and thumbnail) stored,
content-addressed; the metadata last. A refusal stores nothing."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from commands.blob_store import CHUNK_BYTES, BlobStore
from commands.limits import Bucket, RateLimited, RateLimiter, require_token
from commands.media_catalog import MediaCatalog, MediaSharing, StoredMedia
from commands.media_inspection import Inspection, Inspector, inspect_off_loop, no_inspection
from commands.media_types import (
    SNIFF_BYTES,
    EmptyMedia,
    MediaNotFound,
    MediaPolicy,
    MediaTooLarge,
    kind_of,
)
from domain.attachments import Attachment
from domain.errors import InvalidCommand
from domain.rules import MAX_ATTACHMENTS


@dataclass(frozen=True)
class UploadLimits:
    bucket: Bucket = field(default_factory=lambda: Bucket(burst=30, per_second=0.5))
    bytes_per_day: int = 2 * 1024**3
    inspect_seconds: float = 20.0


@dataclass(frozen=True)
class Spooled:
    path: Path
    size: int
    sha256: str
    content_type: str


class MediaService:
    def __init__(
        self,
        blobs: BlobStore,
        catalog: MediaCatalog,
        sharing: MediaSharing,
        policy: MediaPolicy,
        clock: Callable[[], datetime],
        limiter: RateLimiter,
        limits: UploadLimits = UploadLimits(),
        inspector: Inspector = no_inspection,
        spool_dir: str | None = None,
    ) -> None:
        self._blobs = blobs
        self._catalog = catalog
        self._sharing = sharing
        self.policy = policy
        self._clock = clock
        self._limiter = limiter
        self._limits = limits
        self._inspector = inspector
        self._spool_dir = spool_dir

    async def admit(self, user_id: str, declared_size: int | None = None) -> None:
        """The user's upload rate and bytes of the last 24 h (429 beyond)."""
        now = self._clock()
        await require_token(self._limiter, f"media:{user_id}", self._limits.bucket, now)
        await self._within_daily_bytes(user_id, declared_size or 0)

    async def _within_daily_bytes(self, user_id: str, size: int) -> None:
        since = self._clock() - timedelta(days=1)
        _, used = await self._catalog.uploaded_since(user_id, since)
        if used + size > self._limits.bytes_per_day:
            raise RateLimited(3600.0)

    async def upload(
        self,
        user_id: str,
        declared_type: str,
        chunks: AsyncIterable[bytes],
        declared_size: int | None = None,
    ) -> Attachment:
        await self.admit(user_id, declared_size)
        with tempfile.TemporaryDirectory(dir=self._spool_dir, prefix="upload-") as folder:
            spooled = await self.spool(Path(folder) / "upload", declared_type, chunks)
            return await self.store(user_id, spooled)

    async def spool(self, path: Path, declared_type: str, chunks: AsyncIterable[bytes]) -> Spooled:
        """Writes the bytes to ``path``: MediaTooLarge as soon as they pass
        the limit of their kind, UnsupportedMedia for a type not accepted or
        not the declared one, EmptyMedia for none."""
        digest = hashlib.sha256()
        head = b""
        content_type: str | None = None
        limit = self.policy.largest
        size = 0
        with path.open("wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                digest.update(chunk)
                if content_type is None:
                    head += chunk
                    if len(head) >= SNIFF_BYTES:
                        content_type = self.policy.content_type(head, declared_type)
                        limit = self.policy.limit_of(kind_of(content_type))
                if size > limit:
                    raise MediaTooLarge(f"a file of this kind has at most {limit} bytes")
                out.write(chunk)
        if size == 0:
            raise EmptyMedia("the upload has no bytes")
        if content_type is None:
            content_type = self.policy.content_type(head, declared_type)
            if size > self.policy.limit_of(kind_of(content_type)):
                raise MediaTooLarge("the file is over the limit of its kind")
        return Spooled(path, size, digest.hexdigest(), content_type)

    async def store_file(self, user_id: str, path: Path, declared_type: str) -> Attachment:
        """A whole file on disk (a finished resumable upload) through the
        same checks (type, limit of its kind) and storage as any upload."""
        return await self.store(user_id, await self.spool_file(path, declared_type))

    async def spool_file(self, path: Path, declared_type: str) -> Spooled:
        with path.open("rb") as source:
            head = source.read(SNIFF_BYTES)
        size, sha256 = await asyncio.to_thread(_size_and_hash, path)
        if size == 0:
            raise EmptyMedia("the upload has no bytes")
        content_type = self.policy.content_type(head, declared_type)
        limit = self.policy.limit_of(kind_of(content_type))
        if size > limit:
            raise MediaTooLarge(f"a file of this kind has at most {limit} bytes")
        return Spooled(path, size, sha256, content_type)

    async def store(self, user_id: str, spooled: Spooled) -> Attachment:
        """Inspects the spooled file, stores its blob and thumbnail, then its metadata."""
        await self._within_daily_bytes(user_id, spooled.size)
        inspection = await inspect_off_loop(
            self._inspector, spooled.path, spooled.content_type, self._limits.inspect_seconds
        )
        stored_path, size, sha256 = spooled.path, spooled.size, spooled.sha256
        if inspection.cleaned is not None:
            stored_path = inspection.cleaned
            size, sha256 = _size_and_hash(stored_path)
        await self._blobs.put(sha256, _file_chunks(stored_path))
        thumbnail_sha = await self._store_thumbnail(inspection)
        media = Attachment(
            media_id=secrets.token_hex(16),
            kind=kind_of(spooled.content_type),
            content_type=spooled.content_type,
            size=size,
            sha256=sha256,
            width=inspection.width,
            height=inspection.height,
            duration_ms=inspection.duration_ms,
            has_thumbnail=thumbnail_sha is not None,
        )
        await self._catalog.add(StoredMedia(media, user_id, self._clock(), thumbnail_sha))
        return media

    async def _store_thumbnail(self, inspection: Inspection) -> str | None:
        if inspection.thumbnail is None:
            return None
        sha = hashlib.sha256(inspection.thumbnail).hexdigest()
        await self._blobs.put(sha, _bytes_chunks(inspection.thumbnail))
        return sha

    async def readable(self, media_id: str, user_id: str) -> StoredMedia:
        """The media, if ``user_id`` uploaded it or shares a conversation
        with a message that carries it; MediaNotFound (the same for a
        stranger as for no media) otherwise."""
        found = await self._catalog.find(media_id) if len(media_id) <= 64 else None
        if found is None:
            raise MediaNotFound("no such media")
        if found.uploader_id == user_id or await self._sharing.shares_media(media_id, user_id):
            return found
        raise MediaNotFound("no such media")

    async def owned(self, media_ids: list[str], user_id: str) -> tuple[Attachment, ...]:
        """The media of a send: each uploaded by the sender (MediaNotFound otherwise)."""
        found: list[Attachment] = []
        for media_id in dict.fromkeys(media_ids):
            stored = await self._catalog.find(media_id) if len(media_id) <= 64 else None
            if stored is None or stored.uploader_id != user_id:
                raise MediaNotFound(f"no media {media_id[:64]} uploaded by the sender")
            found.append(stored.media)
        return tuple(found)

    def read(self, sha256: str, first: int = 0, last: int | None = None) -> AsyncIterator[bytes]:
        return self._blobs.get(sha256, first, last)


async def resolve_attachments(
    media: MediaService | None, user_id: str, media_ids: list[str]
) -> tuple[Attachment, ...]:
    """The media objects of a send's ``attachments``: at most 10, each
    uploaded by the sender (a media_id of anyone else's is not found)."""
    if not media_ids:
        return ()
    if len(media_ids) > MAX_ATTACHMENTS:
        raise InvalidCommand(f"a message carries at most {MAX_ATTACHMENTS} attachments")
    if media is None:
        raise MediaNotFound("media are not configured on this server")
    return await media.owned(media_ids, user_id)


def _size_and_hash(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    source: BinaryIO
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            yield chunk


async def _bytes_chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data
