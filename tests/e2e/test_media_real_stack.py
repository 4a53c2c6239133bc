"""Media on the real stack, blobs on S3 (the S3Proxy of scripts/s3proxy.sh):
a photo, an Ogg/Opus voice note, a short MP4 video and a PDF sent in a
group over the socket and fetched by another member byte for byte; Range
slices; the thumbnail's size and no EXIF; one stored object for two uploads
of the same bytes; a rebuild of the read models from the log (the
attachments travel in MessagePosted v2) equals the live ones."""

from __future__ import annotations

import asyncio
import hashlib
import io
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from infra.s3.blob_store import S3BlobStore
from tests.contract.blob_store_fixtures import drop_prefix, s3_test_location
from tests.e2e.client import User, unique_handle
from tests.e2e.processes import REPO, Stack
from tests.support import media_files


@pytest.fixture
def s3_prefix() -> Iterator[str]:
    prefix = f"e2e{uuid.uuid4().hex[:12]}/"
    yield prefix
    drop_prefix(s3_test_location(prefix))


@pytest.fixture
def extra_env(s3_prefix: str) -> dict[str, str]:
    location = s3_test_location(s3_prefix)
    return {
        "CHAT_S3_ENDPOINT": location.endpoint_url,
        "CHAT_S3_BUCKET": location.bucket,
        "CHAT_S3_PREFIX": location.prefix,
        "CHAT_S3_ACCESS_KEY_ID": location.access_key_id,
        "CHAT_S3_SECRET_ACCESS_KEY": location.secret_access_key,
    }


def _upload(user: User, data: bytes, content_type: str) -> dict[str, Any]:
    answer = user.http.post("/v1/media", content=data, headers={"Content-Type": content_type})
    assert answer.status_code == 201, answer.text
    media: dict[str, Any] = answer.json()
    return media


def _files(tmp_path: Path) -> list[tuple[bytes, str]]:
    return [
        (media_files.jpeg_with_gps(), "image/jpeg"),
        (media_files.ogg_opus_voice(tmp_path / "note.ogg"), "audio/ogg"),
        (media_files.mp4_video(tmp_path / "clip.mp4"), "video/mp4"),
        (media_files.small_pdf(), "application/pdf"),
    ]


def test_four_kinds_of_media_sent_in_a_group_reach_another_member_byte_for_byte(
    stack: Stack, tmp_path: Path, s3_prefix: str
) -> None:
    ann, ben = (
        User(stack.base_url, unique_handle("ann")),
        User(stack.base_url, unique_handle("ben")),
    )
    group = ann.create_group("media", [ben])
    ben.wait_until_visible(group)
    files = _files(tmp_path)
    uploads = [_upload(ann, data, content_type) for data, content_type in files]
    assert [m["kind"] for m in uploads] == ["image", "voice", "video", "file"]
    sockets = ann.socket(stack.ws_url), ben.socket(stack.ws_url)
    sockets[0].send_frame(
        {
            "type": "send",
            "id": "s1",
            "conversation_id": group,
            "client_msg_id": "media-1",
            "body": "",
            "attachments": [{"media_id": m["media_id"]} for m in uploads],
        }
    )
    assert sockets[0].wait_for(lambda f: f.get("id") == "s1")["type"] == "sent"
    pushed = sockets[1].message_with_seq(1)
    assert pushed["attachments"] == uploads
    # The photo is stored without its EXIF: compare with what was stored.
    for media, (data, _) in zip(uploads, files, strict=True):
        fetched = ben.http.get(f"/v1/media/{media['media_id']}")
        assert fetched.status_code == 200
        assert hashlib.sha256(fetched.content).hexdigest() == media["sha256"]
        if media["kind"] != "image":
            assert fetched.content == data
    photo, video = uploads[0], uploads[2]
    stored_photo = ben.http.get(f"/v1/media/{photo['media_id']}").content
    assert not Image.open(io.BytesIO(stored_photo)).getexif()
    part = ben.http.get(f"/v1/media/{video['media_id']}", headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206 and part.content == files[2][0][100:1100]
    thumbnail = ben.http.get(f"/v1/media/{photo['media_id']}/thumbnail")
    image = Image.open(io.BytesIO(thumbnail.content))
    assert max(image.size) == 320 and not image.getexif()
    for socket in sockets:
        socket.close()


def test_two_uploads_of_the_same_bytes_give_one_stored_object(stack: Stack, s3_prefix: str) -> None:
    ann, ben = (
        User(stack.base_url, unique_handle("ann")),
        User(stack.base_url, unique_handle("ben")),
    )
    pdf = media_files.small_pdf()
    first, second = _upload(ann, pdf, "application/pdf"), _upload(ben, pdf, "application/pdf")
    assert first["media_id"] != second["media_id"]
    store = S3BlobStore(s3_test_location(s3_prefix))
    assert asyncio.run(store.hashes()) == [first["sha256"]]


def test_a_stranger_gets_404_for_a_members_media(stack: Stack, s3_prefix: str) -> None:
    ann, ben = (
        User(stack.base_url, unique_handle("ann")),
        User(stack.base_url, unique_handle("ben")),
    )
    eve = User(stack.base_url, unique_handle("eve"))
    group = ann.create_group("media", [ben])
    media = _upload(ann, media_files.png(), "image/png")
    answer = ann.http.post(
        f"/v1/conversations/{group}/messages",
        json={"client_msg_id": "p", "body": "", "attachments": [{"media_id": media["media_id"]}]},
    )
    assert answer.status_code == 202
    ben.wait_until_visible(group)
    deadline = time.monotonic() + 30
    while not ben.history(group)["messages"]:
        assert time.monotonic() < deadline, "the message was never projected"
        time.sleep(0.05)
    for path in ("", "/thumbnail", "/metadata"):
        assert ben.http.get(f"/v1/media/{media['media_id']}{path}").status_code == 200
        assert eve.http.get(f"/v1/media/{media['media_id']}{path}").status_code == 404


def test_a_rebuild_and_a_replay_of_the_log_see_the_attachments(
    stack: Stack, s3_prefix: str
) -> None:
    ann, ben = (
        User(stack.base_url, unique_handle("ann")),
        User(stack.base_url, unique_handle("ben")),
    )
    group = ann.create_group("media", [ben])
    media = _upload(ann, media_files.png(), "image/png")
    ann.http.post(
        f"/v1/conversations/{group}/messages",
        json={"client_msg_id": "r", "body": "", "attachments": [{"media_id": media["media_id"]}]},
    )
    ben.wait_until_visible(group)
    deadline = time.monotonic() + 30
    while not ben.history(group)["messages"]:
        assert time.monotonic() < deadline, "the message was never projected"
        time.sleep(0.05)
    assert ben.history(group)["messages"][0]["attachments"] == [media]
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "rebuild"],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "read models equal the rebuild" in result.stdout
    replayed = subprocess.run(
        [sys.executable, "-m", "app.cli", "replay", "--output", "-"],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert replayed.returncode == 0, replayed.stderr
    posted = [line for line in replayed.stdout.splitlines() if "MessagePosted" in line]
    assert len(posted) == 1
    assert media["media_id"] in posted[0] and media["sha256"] in posted[0]
