"""Media: upload throughput (MB/s) over HTTP into S3 (the S3Proxy of
scripts/s3proxy.sh) or the local folder, and the time to inspect a photo
(decode, strip EXIF, thumbnail). The server is ``chatapp serve`` (embedded
roles, one process, as in the tests); each upload has fresh bytes (a PDF
head, then random bytes), so none is deduplicated.

    .venv/bin/python -m benchmarks.media_upload [--mb 16] [--uploads 5] [--store s3|local]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from commands.images import inspect_image
from tests.contract.blob_store_fixtures import drop_prefix, s3_test_location
from tests.e2e.client import User, unique_handle
from tests.e2e.processes import HIGH_LIMITS, embedded_server
from tests.support import media_files


def _env(store: str, folder: Path, prefix: str) -> dict[str, str]:
    env = {
        **HIGH_LIMITS,
        "CHAT_MEDIA_DIR": str(folder / "blobs"),
        "CHAT_MEDIA_UPLOAD_DIR": str(folder / "uploads"),
        "CHAT_MEDIA_MAX_FILE_BYTES": str(1024**3),
        "CHAT_MEDIA_BYTES_PER_DAY": str(100 * 1024**3),
        "CHAT_MEDIA_UPLOADS_PER_MINUTE": "10000",
    }
    if store == "s3":
        location = s3_test_location(prefix)
        env.update(
            CHAT_S3_ENDPOINT=location.endpoint_url,
            CHAT_S3_BUCKET=location.bucket,
            CHAT_S3_PREFIX=location.prefix,
            CHAT_S3_ACCESS_KEY_ID=location.access_key_id,
            CHAT_S3_SECRET_ACCESS_KEY=location.secret_access_key,
        )
    return env


def upload_rates(base_url: str, megabytes: int, uploads: int) -> list[float]:
    user = User(base_url, unique_handle("bench"))
    user.http.timeout = httpx.Timeout(300)
    rates = []
    for _ in range(uploads):
        data = media_files.small_pdf() + os.urandom(megabytes * 1024 * 1024)
        started = time.perf_counter()
        answer = user.http.post(
            "/v1/media", content=data, headers={"Content-Type": "application/pdf"}
        )
        elapsed = time.perf_counter() - started
        assert answer.status_code == 201, answer.text
        rates.append(len(data) / 1024 / 1024 / elapsed)
    return rates


def thumbnail_times(rounds: int, width: int = 4000, height: int = 3000) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.jpg"
        path.write_bytes(media_files.jpeg_with_gps(width, height))
        for _ in range(rounds):
            started = time.perf_counter()
            inspect_image(path, "image/jpeg")
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=16)
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--store", choices=("s3", "local"), default="s3")
    parser.add_argument("--thumbnails", type=int, default=5)
    args = parser.parse_args()
    prefix = f"bench{uuid.uuid4().hex[:10]}/"
    with tempfile.TemporaryDirectory() as folder:
        try:
            with embedded_server(Path(folder), _env(args.store, Path(folder), prefix)) as server:
                rates = upload_rates(server.base_url, args.mb, args.uploads)
        finally:
            if args.store == "s3":
                drop_prefix(s3_test_location(prefix))
    times = thumbnail_times(args.thumbnails)
    report = {
        "store": args.store,
        "upload_mb": args.mb,
        "uploads": args.uploads,
        "upload_mb_per_s_median": round(statistics.median(rates), 1),
        "upload_mb_per_s_each": [round(r, 1) for r in rates],
        "photo_12mp_inspect_ms_median": round(statistics.median(times), 1),
        "photo_12mp_inspect_ms_each": [round(t, 1) for t in times],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
