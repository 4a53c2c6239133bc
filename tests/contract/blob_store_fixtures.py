"""The blob stores of the contract suite: S3 (the S3Proxy that
scripts/s3proxy.sh starts, a fresh bucket per test) and a local folder."""

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


def test_s3_location(bucket: str) -> S3Location:
    return S3Location(
        endpoint_url=os.environ.get("CHAT_TEST_S3_ENDPOINT", "http://127.0.0.1:8089"),
        bucket=bucket,
        region="us-east-1",
        access_key_id=os.environ.get("CHAT_TEST_S3_ACCESS_KEY_ID", "local-identity"),
        secret_access_key=os.environ.get("CHAT_TEST_S3_SECRET_ACCESS_KEY", "local-credential"),
    )


def drop_bucket(location: S3Location) -> None:
    client = s3_client(location)
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=location.bucket)
    for page in pages:
        for item in page.get("Contents", []):
            client.delete_object(Bucket=location.bucket, Key=item["Key"])
    client.delete_bucket(Bucket=location.bucket)


def open_blob_store(kind: str, folder: Path) -> Iterator[BlobStore]:
    if kind == "localfs":
        yield LocalFolderBlobStore(folder / "blobs")
        return
    location = test_s3_location(f"t{uuid.uuid4().hex[:16]}")
    store = S3BlobStore(location)
    asyncio.run(store.ensure_bucket())
    try:
        yield store
    finally:
        drop_bucket(location)
