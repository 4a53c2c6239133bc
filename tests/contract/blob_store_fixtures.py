"""The blob stores of the contract suite: S3 (the S3Proxy that
scripts/s3proxy.sh starts; one test bucket, a fresh key prefix per test)
and a local folder."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from commands.blob_store import BlobStore
from infra.localfs.blob_store import LocalFolderBlobStore
from infra.s3.blob_store import S3BlobStore, S3Location, s3_client

BLOB_BACKENDS = ["s3", "localfs"]


TEST_BUCKET = "chat-test-media"


def s3_test_location(prefix: str, bucket: str = TEST_BUCKET) -> S3Location:
    return S3Location(
        endpoint_url=os.environ.get("CHAT_TEST_S3_ENDPOINT", "http://127.0.0.1:8089"),
        bucket=bucket,
        region="us-east-1",
        access_key_id=os.environ.get("CHAT_TEST_S3_ACCESS_KEY_ID", "local-identity"),
        secret_access_key=os.environ.get("CHAT_TEST_S3_SECRET_ACCESS_KEY", "local-credential"),
        prefix=prefix,
    )


def drop_prefix(location: S3Location) -> None:
    """Deletes the objects under the location's prefix (a bucket's deletion
    takes S3Proxy seconds; the bucket is shared by the tests)."""
    client = s3_client(location)
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=location.bucket, Prefix=location.prefix
    )
    for page in pages:
        for item in page.get("Contents", []):
            client.delete_object(Bucket=location.bucket, Key=item["Key"])


def open_blob_store(kind: str, folder: Path) -> Iterator[BlobStore]:
    if kind == "localfs":
        yield LocalFolderBlobStore(folder / "blobs")
        return
    location = s3_test_location(f"t{uuid.uuid4().hex[:16]}/")
    store = S3BlobStore(location)
    asyncio.run(store.ensure_bucket())
    try:
        yield store
    finally:
        drop_prefix(location)
