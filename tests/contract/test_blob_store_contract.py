"""The blob store contract: S3 (S3Proxy) and the local folder behave alike."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from commands.blob_store import BlobMismatch, BlobNotFound, BlobStore
from infra.s3.blob_store import PART_BYTES
from tests.contract.blob_store_fixtures import BLOB_BACKENDS, open_blob_store


@pytest.fixture(params=BLOB_BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    yield from open_blob_store(request.param, tmp_path)


async def _chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _read(store: BlobStore, sha: str, first: int = 0, last: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.get(sha, first, last)])


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


DATA = bytes(range(256)) * 40


def test_a_stored_blob_reads_back_byte_for_byte(store: BlobStore) -> None:
    async def scenario() -> None:
        assert await store.put(_sha(DATA), _chunks(DATA)) is True
        assert await _read(store, _sha(DATA)) == DATA

    asyncio.run(scenario())


def test_a_range_returns_exactly_its_inclusive_slice(store: BlobStore) -> None:
    async def scenario() -> None:
        await store.put(_sha(DATA), _chunks(DATA))
        assert await _read(store, _sha(DATA), 10, 19) == DATA[10:20]
        assert await _read(store, _sha(DATA), 10_000) == DATA[10_000:]

    asyncio.run(scenario())


def test_the_same_bytes_twice_are_stored_once(store: BlobStore) -> None:
    async def scenario() -> None:
        assert await store.put(_sha(DATA), _chunks(DATA)) is True
        assert await store.put(_sha(DATA), _chunks(DATA)) is False
        assert await store.hashes() == [_sha(DATA)]

    asyncio.run(scenario())


def test_head_gives_the_size_or_none(store: BlobStore) -> None:
    async def scenario() -> None:
        assert await store.head(_sha(DATA)) is None
        await store.put(_sha(DATA), _chunks(DATA))
        assert await store.head(_sha(DATA)) == len(DATA)

    asyncio.run(scenario())


def test_bytes_that_do_not_match_their_hash_are_not_stored(store: BlobStore) -> None:
    async def scenario() -> None:
        with pytest.raises(BlobMismatch):
            await store.put(_sha(b"other"), _chunks(DATA))
        assert await store.head(_sha(b"other")) is None
        assert await store.hashes() == []

    asyncio.run(scenario())


def test_a_deleted_blob_is_gone_and_deleting_twice_is_harmless(store: BlobStore) -> None:
    async def scenario() -> None:
        await store.put(_sha(DATA), _chunks(DATA))
        await store.delete(_sha(DATA))
        await store.delete(_sha(DATA))
        assert await store.head(_sha(DATA)) is None
        with pytest.raises(BlobNotFound):
            await _read(store, _sha(DATA))

    asyncio.run(scenario())


def test_a_blob_larger_than_one_part_streams_in_and_out(store: BlobStore) -> None:
    big = hashlib.sha256(b"seed").digest() * ((PART_BYTES * 2 + 12345) // 32)

    async def scenario() -> None:
        assert await store.put(_sha(big), _chunks(big, 256 * 1024)) is True
        assert await store.head(_sha(big)) == len(big)
        tail = await _read(store, _sha(big), PART_BYTES - 5, PART_BYTES + 4)
        assert tail == big[PART_BYTES - 5 : PART_BYTES + 5]
        assert _sha(await _read(store, _sha(big))) == _sha(big)

    asyncio.run(scenario())


def test_a_key_that_is_not_a_sha256_is_refused(store: BlobStore) -> None:
    async def scenario() -> None:
        with pytest.raises(ValueError):
            await store.head("../etc/passwd")

    asyncio.run(scenario())
