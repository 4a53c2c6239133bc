"""Resumable uploads under the tus 1.0 core protocol (with its creation
extension): an upload's state (owner, length, offset, declared type, and
its media once finished) is a JSON file beside its bytes in the edge's
upload folder (CHAT_MEDIA_UPLOAD_DIR; edges that share a load balancer
share that folder, or keep a user on one edge). Once the last byte is in,
the file goes through the same checks and storage as any upload
(MediaService.store_file). Uploads older than the configured age are
removed by ``sweep``."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import AsyncIterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from commands.media_types import MediaRefused, MediaTooLarge

_ID_CHARS = frozenset("0123456789abcdef")


class OffsetMismatch(MediaRefused):
    """The PATCH's Upload-Offset is not where the upload is (409)."""

    code = "conflict"
    status = 409


@dataclass(frozen=True)
class TusUpload:
    upload_id: str
    user_id: str
    length: int
    offset: int
    declared_type: str
    created_at: float
    media: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.media is not None


class TusUploads:
    def __init__(self, folder: str | Path) -> None:
        self._folder = Path(folder)

    def _state(self, upload_id: str) -> Path:
        return self._folder / f"{upload_id}.json"

    def part(self, upload_id: str) -> Path:
        return self._folder / f"{upload_id}.part"

    def create(self, user_id: str, length: int, declared_type: str) -> TusUpload:
        self._folder.mkdir(parents=True, exist_ok=True)
        upload = TusUpload(secrets.token_hex(16), user_id, length, 0, declared_type, time.time())
        self.part(upload.upload_id).touch()
        self._save(upload)
        return upload

    def find(self, upload_id: str, user_id: str) -> TusUpload | None:
        """The upload, if it is ``user_id``'s (None for anyone else's: 404)."""
        if len(upload_id) != 32 or not set(upload_id) <= _ID_CHARS:
            return None
        try:
            upload = TusUpload(**json.loads(self._state(upload_id).read_text()))
        except FileNotFoundError:
            return None
        return upload if upload.user_id == user_id else None

    async def append(
        self, upload: TusUpload, offset: int, chunks: AsyncIterable[bytes]
    ) -> TusUpload:
        """Appends a PATCH's bytes at ``offset`` (its Upload-Offset), never
        past the upload's length (413); what arrived before a cut stays."""
        if offset != upload.offset or upload.finished:
            raise OffsetMismatch(f"the upload is at offset {upload.offset}")
        written = upload.offset
        try:
            with self.part(upload.upload_id).open("r+b") as out:
                out.seek(written)
                async for chunk in chunks:
                    if written + len(chunk) > upload.length:
                        raise MediaTooLarge(f"the upload has {upload.length} bytes")
                    out.write(chunk)
                    written += len(chunk)
        finally:
            upload = replace(upload, offset=written)
            self._save(upload)
        return upload

    def finish(self, upload: TusUpload, media: dict[str, Any]) -> TusUpload:
        finished = replace(upload, media=media)
        self._save(finished)
        self.part(upload.upload_id).unlink(missing_ok=True)
        return finished

    def remove(self, upload_id: str) -> None:
        self.part(upload_id).unlink(missing_ok=True)
        self._state(upload_id).unlink(missing_ok=True)

    def sweep(self, max_age_seconds: float, now: float | None = None) -> int:
        """Removes the uploads (finished or not) created more than
        ``max_age_seconds`` ago; returns how many."""
        if not self._folder.exists():
            return 0
        cutoff = (time.time() if now is None else now) - max_age_seconds
        removed = 0
        for state in self._folder.glob("*.json"):
            try:
                created = float(json.loads(state.read_text())["created_at"])
            except (OSError, ValueError, KeyError):
                continue
            if created < cutoff:
                self.remove(state.stem)
                removed += 1
        return removed

    def _save(self, upload: TusUpload) -> None:
        state = self._state(upload.upload_id)
        staging = state.with_suffix(".tmp")
        staging.write_text(json.dumps(asdict(upload)))
        os.replace(staging, state)
