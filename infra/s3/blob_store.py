"""The blob store on S3 (boto3): object ``<prefix><sha256>`` in one bucket.
Small blobs go in one PUT; larger ones in a multipart upload of PART_BYTES
parts, completed only once the hash of every byte is checked (aborted
otherwise), so a reader never sees a blob under the wrong key. boto3 is
blocking: each call runs in a worker thread."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from commands.blob_store import CHUNK_BYTES, BlobMismatch, BlobNotFound, require_sha256

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PART_BYTES = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class S3Location:
    endpoint_url: str  # "" for AWS's own endpoint of the region
    bucket: str
    region: str
    access_key_id: str
    secret_access_key: str
    prefix: str = "blobs/"


def s3_client(location: S3Location) -> S3Client:
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=location.endpoint_url or None,
        region_name=location.region,
        aws_access_key_id=location.access_key_id or None,
        aws_secret_access_key=location.secret_access_key or None,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
            # Checksums only where S3 requires them: S3-compatible servers
            # (S3Proxy among them) refuse the default trailing CRC headers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    return client


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING


class S3BlobStore:
    def __init__(self, location: S3Location, client: S3Client | None = None) -> None:
        self._location = location
        self._bucket = location.bucket
        self._s3 = client or s3_client(location)

    def _key(self, sha256: str) -> str:
        return self._location.prefix + require_sha256(sha256)

    async def ensure_bucket(self) -> None:
        """Creates the bucket unless it exists (tests, S3Proxy, a fresh stack)."""
        try:
            await asyncio.to_thread(self._s3.head_bucket, Bucket=self._bucket)
        except ClientError as error:
            if not _missing(error):
                raise
            await asyncio.to_thread(self._s3.create_bucket, Bucket=self._bucket)

    async def put(self, sha256: str, chunks: AsyncIterable[bytes]) -> bool:
        key = self._key(sha256)
        if await self.head(sha256) is not None:
            return False
        digest = hashlib.sha256()
        buffer = bytearray()
        upload: _Multipart | None = None
        try:
            async for chunk in chunks:
                digest.update(chunk)
                buffer += chunk
                while len(buffer) >= PART_BYTES:
                    upload = upload or await _Multipart.start(self._s3, self._bucket, key)
                    await upload.send(bytes(buffer[:PART_BYTES]))
                    del buffer[:PART_BYTES]
            if digest.hexdigest() != sha256:
                raise BlobMismatch("the bytes do not hash to their key")
            if upload is None:
                await asyncio.to_thread(
                    self._s3.put_object, Bucket=self._bucket, Key=key, Body=bytes(buffer)
                )
                return True
            if buffer:
                await upload.send(bytes(buffer))
            await upload.complete()
            upload = None
            return True
        finally:
            if upload is not None:
                await upload.abort()

    async def get(
        self, sha256: str, first: int = 0, last: int | None = None
    ) -> AsyncIterator[bytes]:
        wanted = f"bytes={first}-{'' if last is None else last}"
        try:
            answer = await asyncio.to_thread(
                self._s3.get_object, Bucket=self._bucket, Key=self._key(sha256), Range=wanted
            )
        except ClientError as error:
            if _missing(error):
                raise BlobNotFound(sha256) from None
            raise
        body = answer["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def head(self, sha256: str) -> int | None:
        try:
            answer = await asyncio.to_thread(
                self._s3.head_object, Bucket=self._bucket, Key=self._key(sha256)
            )
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return int(answer["ContentLength"])

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self._s3.delete_object, Bucket=self._bucket, Key=self._key(sha256))

    async def hashes(self) -> list[str]:
        return await asyncio.to_thread(self._list_hashes)

    def _list_hashes(self) -> list[str]:
        prefix = self._location.prefix
        found: list[str] = []
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix
        )
        for page in pages:
            found.extend(item["Key"][len(prefix) :] for item in page.get("Contents", []))
        return sorted(found)


@dataclass
class _Multipart:
    s3: Any
    bucket: str
    key: str
    upload_id: str
    parts: list[dict[str, Any]]

    @classmethod
    async def start(cls, s3: Any, bucket: str, key: str) -> _Multipart:
        answer = await asyncio.to_thread(s3.create_multipart_upload, Bucket=bucket, Key=key)
        return cls(s3, bucket, key, answer["UploadId"], [])

    async def send(self, part: bytes) -> None:
        number = len(self.parts) + 1
        answer = await asyncio.to_thread(
            self.s3.upload_part,
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=part,
        )
        self.parts.append({"ETag": answer["ETag"], "PartNumber": number})

    async def complete(self) -> None:
        await asyncio.to_thread(
            self.s3.complete_multipart_upload,
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    async def abort(self) -> None:
        await asyncio.to_thread(
            self.s3.abort_multipart_upload,
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
        )
