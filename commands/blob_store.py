"""Where media bytes live: a content-addressed blob store (the key of a blob
is the SHA-256 of its bytes, so the same bytes are stored once). The S3
adapter is in ``infra/s3``, the local-folder one in ``infra/localfs``; one
contract suite (tests/contract/test_blob_store_contract.py) runs on both."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CHUNK_BYTES = 64 * 1024


class BlobNotFound(LookupError):
    """No blob has that hash."""


class BlobMismatch(ValueError):
    """The bytes given to ``put`` do not hash to the key they were given for;
    nothing was stored."""


def require_sha256(sha256: str) -> str:
    if not SHA256_HEX.match(sha256):
        raise ValueError("a blob key is a SHA-256 in lowercase hex")
    return sha256


class BlobStore(Protocol):
    async def put(self, sha256: str, chunks: AsyncIterable[bytes]) -> bool:
        """Stores the bytes ``chunks`` yields under their hash, streaming them
        (never whole in memory). True if the blob is new; False if it was
        already stored (the chunks are then not read). BlobMismatch (nothing
        stored) if they do not hash to ``sha256``."""
        ...

    def get(self, sha256: str, first: int = 0, last: int | None = None) -> AsyncIterator[bytes]:
        """The bytes ``first``..``last`` (inclusive; None: to the end), in
        chunks. BlobNotFound when iterated if there is no such blob."""
        ...

    async def head(self, sha256: str) -> int | None:
        """The size of the blob, or None if there is none."""
        ...

    async def delete(self, sha256: str) -> None:
        """Removes the blob; nothing happens if there is none."""
        ...

    async def hashes(self) -> list[str]:
        """Every stored blob's hash (for the cleanup of unreferenced blobs)."""
        ...
