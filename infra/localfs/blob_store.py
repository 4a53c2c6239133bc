"""The blob store on a local folder: ``<root>/<aa>/<sha256>``. A put writes
to a temporary file in the folder and renames it once its hash is checked,
so a reader never sees half a blob."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from commands.blob_store import CHUNK_BYTES, BlobMismatch, BlobNotFound, require_sha256


class LocalFolderBlobStore:
    def __init__(self, root: str | Path) -> None:
        self._root = Path(root)

    def _path(self, sha256: str) -> Path:
        require_sha256(sha256)
        return self._root / sha256[:2] / sha256

    async def put(self, sha256: str, chunks: AsyncIterable[bytes]) -> bool:
        path = self._path(sha256)
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    digest.update(chunk)
                    await asyncio.to_thread(out.write, chunk)
            if digest.hexdigest() != sha256:
                raise BlobMismatch("the bytes do not hash to their key")
            os.replace(staging, path)
        finally:
            if os.path.exists(staging):
                os.unlink(staging)
        return True

    async def get(
        self, sha256: str, first: int = 0, last: int | None = None
    ) -> AsyncIterator[bytes]:
        path = self._path(sha256)
        try:
            source = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        with source:
            source.seek(first)
            remaining = None if last is None else last - first + 1
            while remaining is None or remaining > 0:
                size = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
                chunk = await asyncio.to_thread(source.read, size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def head(self, sha256: str) -> int | None:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    async def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    async def hashes(self) -> list[str]:
        if not self._root.exists():
            return []
        return sorted(
            path.name
            for path in self._root.glob("??/*")
            if path.is_file() and not path.name.startswith(".")
        )
