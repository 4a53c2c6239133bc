"""tus 1.0 resumable uploads on a real server process, with a real tus
client (tuspy): an upload cut in the middle of a PATCH (the connection
dropped) and resumed ends with the right SHA-256."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tusclient import client as tus

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack, embedded_server
from tests.support import media_files

CHUNK = 256 * 1024


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Stack]:
    env = {
        "CHAT_MEDIA_DIR": str(tmp_path / "blobs"),
        "CHAT_MEDIA_UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    with embedded_server(tmp_path, env) as running:
        yield running


def _file() -> bytes:
    return media_files.small_pdf() + os.urandom(3 * 1024 * 1024 + 12345)


def _offset(user: User, url: str) -> int:
    answer = user.http.head(url, headers={"Tus-Resumable": "1.0.0"})
    assert answer.status_code == 200, answer.status_code
    return int(answer.headers["Upload-Offset"])


def _cut_patch(server: Stack, user: User, path: str, offset: int, data: bytes) -> None:
    """A PATCH that announces ``len(data)`` bytes, sends half and hangs up."""
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {user.token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(head + data[: len(data) // 2])


def test_an_upload_cut_in_the_middle_and_resumed_ends_with_the_right_sha256(
    server: Stack,
) -> None:
    ann = User(server.base_url, unique_handle("ann"))
    data = _file()
    auth = {"Authorization": f"Bearer {ann.token}"}
    uploads = tus.TusClient(f"{server.base_url}/v1/uploads", headers=auth)
    first = uploads.uploader(
        file_stream=io.BytesIO(data), chunk_size=CHUNK, metadata={"filetype": "application/pdf"}
    )
    first.upload(stop_at=2 * CHUNK)
    url = str(first.url)
    assert _offset(ann, url) == 2 * CHUNK
    path = url.removeprefix(server.base_url)
    _cut_patch(server, ann, path, 2 * CHUNK, data[2 * CHUNK : 2 * CHUNK + 1024 * 1024])
    deadline = time.monotonic() + 30
    while (cut_at := _offset(ann, url)) == 2 * CHUNK:
        assert time.monotonic() < deadline, "the cut PATCH never recorded its bytes"
        time.sleep(0.05)
    assert 2 * CHUNK < cut_at < 2 * CHUNK + 1024 * 1024
    resumed = uploads.uploader(file_stream=io.BytesIO(data), chunk_size=CHUNK, url=url)
    assert resumed.offset == cut_at
    resumed.upload()
    media = ann.http.get(url).json()
    assert media["sha256"] == hashlib.sha256(data).hexdigest()
    assert (media["size"], media["kind"]) == (len(data), "file")
    fetched = ann.http.get(f"/v1/media/{media['media_id']}")
    assert hashlib.sha256(fetched.content).hexdigest() == media["sha256"]


def test_another_users_upload_is_not_found(server: Stack) -> None:
    ann, eve = (User(server.base_url, unique_handle(n)) for n in ("ann", "eve"))
    auth = {"Authorization": f"Bearer {ann.token}"}
    uploads = tus.TusClient(f"{server.base_url}/v1/uploads", headers=auth)
    uploader = uploads.uploader(file_stream=io.BytesIO(_file()), chunk_size=CHUNK)
    uploader.upload(stop_at=CHUNK)
    url = str(uploader.url)
    assert eve.http.head(url, headers={"Tus-Resumable": "1.0.0"}).status_code == 404
    assert eve.http.get(url).status_code == 404
    assert ann.http.get(url).status_code == 409  # not finished yet
