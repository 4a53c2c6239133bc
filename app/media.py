"""Media wiring: the blob store from settings (S3 when CHAT_S3_BUCKET is
set, else the local folder CHAT_MEDIA_DIR), and the media service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.settings import Settings
from commands.blob_store import BlobStore
from commands.images import inspect_media
from commands.limits import Bucket, RateLimiter
from commands.media import MediaService, UploadLimits
from commands.media_catalog import MediaCatalog, MediaSharing
from commands.media_cleanup import MediaCleanup
from commands.media_types import MediaPolicy
from infra.localfs.blob_store import LocalFolderBlobStore
from infra.s3.blob_store import S3BlobStore, S3Location

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MediaAdapters:
    blobs: BlobStore
    catalog: MediaCatalog
    sharing: MediaSharing


def s3_location(settings: Settings) -> S3Location:
    return S3Location(
        endpoint_url=settings.s3_endpoint,
        bucket=settings.s3_bucket,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
        prefix=settings.s3_prefix,
    )


async def blob_store(settings: Settings) -> BlobStore:
    if not settings.s3_bucket:
        return LocalFolderBlobStore(settings.media_dir)
    store = S3BlobStore(s3_location(settings))
    await store.ensure_bucket()
    return store


def media_policy(settings: Settings) -> MediaPolicy:
    limits = {
        "image": settings.media_max_image_bytes,
        "voice": settings.media_max_voice_bytes,
        "video": settings.media_max_video_bytes,
        "file": settings.media_max_file_bytes,
    }
    return MediaPolicy(settings.media_types, limits)


def media_service(
    settings: Settings,
    adapters: MediaAdapters,
    clock: Callable[[], datetime],
    limiter: RateLimiter,
) -> MediaService:
    per_minute = settings.media_uploads_per_minute
    limits = UploadLimits(
        bucket=Bucket(burst=max(1, int(per_minute)), per_second=per_minute / 60),
        bytes_per_day=settings.media_bytes_per_day,
        inspect_seconds=settings.media_inspect_seconds,
    )
    return MediaService(
        adapters.blobs,
        adapters.catalog,
        adapters.sharing,
        media_policy(settings),
        clock,
        limiter,
        limits,
        inspect_media,
    )


async def clean_media_forever(cleanup: MediaCleanup, interval: float) -> None:
    """One cleanup round every ``interval`` seconds (each edge runs it; a
    round is idempotent)."""
    while True:
        await asyncio.sleep(interval)
        try:
            done = await cleanup.run_once()
        except Exception as error:  # the next round tries again
            log.warning("media cleanup failed: %s", error)
            continue
        if done.uploads_removed or done.media_forgotten or done.blobs_deleted:
            log.info("media cleanup: %s", done)
