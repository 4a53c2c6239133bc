"""Media over HTTP on the embedded edge (blobs in a local folder): uploads
sniffed and inspected, sends with attachments, downloads with Range, the
thumbnail without EXIF, members-only access, and every bad input refused
with nothing stored or posted."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from tests.integration.edge_app import Account, edge_client, register
from tests.integration.media_support import (
    group_of,
    messages,
    posted,
    send_with,
    upload,
    uploaded,
    wait_until,
)
from tests.support import media_files

LIMIT = 300_000


@pytest.fixture(scope="module")
def blob_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("blobs")


@pytest.fixture(scope="module")
def client(blob_dir: Path) -> Iterator[TestClient]:
    with edge_client(media_dir=str(blob_dir), media_max_image_bytes=LIMIT) as running:
        yield running


@pytest.fixture(scope="module")
def video_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return media_files.mp4_video(tmp_path_factory.mktemp("v") / "clip.mp4")


@pytest.fixture(scope="module")
def voice_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return media_files.ogg_opus_voice(tmp_path_factory.mktemp("a") / "note.ogg")


def _stored_blobs(blob_dir: Path) -> list[str]:
    return sorted(p.name for p in blob_dir.glob("??/*") if not p.name.startswith("."))


def _get(client: TestClient, user: Account, path: str, **headers: str) -> Any:
    return client.get(path, headers={**user.auth, **headers})


def test_a_photo_sent_in_a_group_is_fetched_by_another_member_without_its_exif(
    client: TestClient,
) -> None:
    ann, ben = register(client, "ann"), register(client, "ben")
    group = group_of(client, ann, ben)
    photo = media_files.jpeg_with_gps()
    media = uploaded(client, ann, photo, "image/jpeg")
    assert (media["kind"], media["content_type"]) == ("image", "image/jpeg")
    assert (media["width"], media["height"], media["has_thumbnail"]) == (1200, 800, True)
    assert send_with(client, ann, group, [media["media_id"]]).status_code == 202
    [message] = posted(client, ben, group, 1)
    assert message["body"] == "" and message["attachments"] == [media]
    fetched = _get(client, ben, f"/v1/media/{media['media_id']}")
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == f'"{media["sha256"]}"'
    assert hashlib.sha256(fetched.content).hexdigest() == media["sha256"]
    stored = Image.open(io.BytesIO(fetched.content))
    assert stored.size == (1200, 800) and not stored.getexif()


def test_the_thumbnail_is_a_jpeg_of_at_most_320_px_without_exif(client: TestClient) -> None:
    ann = register(client, "ann")
    media = uploaded(client, ann, media_files.jpeg_with_gps(), "image/jpeg")
    answer = _get(client, ann, f"/v1/media/{media['media_id']}/thumbnail")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    thumbnail = Image.open(io.BytesIO(answer.content))
    assert thumbnail.size == (320, 213)
    assert not thumbnail.getexif()


def test_range_reads_return_the_right_slices(client: TestClient) -> None:
    ann = register(client, "ann")
    pdf = media_files.small_pdf()
    media = uploaded(client, ann, pdf, "application/pdf")
    path = f"/v1/media/{media['media_id']}"
    first = _get(client, ann, path, Range="bytes=0-9")
    assert first.status_code == 206 and first.content == pdf[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{len(pdf)}"
    assert _get(client, ann, path, Range="bytes=100-").content == pdf[100:]
    assert _get(client, ann, path, Range="bytes=-5").content == pdf[-5:]
    beyond = _get(client, ann, path, Range=f"bytes={len(pdf)}-")
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(pdf)}"


def test_a_voice_note_has_its_duration_and_no_thumbnail(
    client: TestClient, voice_bytes: bytes
) -> None:
    ann = register(client, "ann")
    media = uploaded(client, ann, voice_bytes, "audio/ogg")
    assert (media["kind"], media["content_type"], media["has_thumbnail"]) == (
        "voice",
        "audio/ogg",
        False,
    )
    assert 1400 <= media["duration_ms"] <= 1600
    assert _get(client, ann, f"/v1/media/{media['media_id']}/thumbnail").status_code == 404


def test_a_video_has_its_dimensions_duration_and_a_poster_thumbnail(
    client: TestClient, video_bytes: bytes
) -> None:
    ann = register(client, "ann")
    media = uploaded(client, ann, video_bytes, "video/mp4")
    assert (media["kind"], media["width"], media["height"]) == ("video", 640, 360)
    assert 900 <= media["duration_ms"] <= 1100 and media["has_thumbnail"]
    poster = _get(client, ann, f"/v1/media/{media['media_id']}/thumbnail")
    assert Image.open(io.BytesIO(poster.content)).size == (320, 180)
    fetched = _get(client, ann, f"/v1/media/{media['media_id']}")
    assert fetched.content == video_bytes


def test_two_uploads_of_the_same_bytes_give_one_stored_object(
    client: TestClient, blob_dir: Path
) -> None:
    ann, ben = register(client, "ann"), register(client, "ben")
    pdf = media_files.small_pdf() + b"% twice\n"
    first = uploaded(client, ann, pdf, "application/pdf")
    second = uploaded(client, ben, pdf, "application/pdf")
    assert first["media_id"] != second["media_id"]
    assert first["sha256"] == second["sha256"]
    assert _stored_blobs(blob_dir).count(first["sha256"]) == 1


def _media_answers(client: TestClient, user: Account, media_id: str) -> list[Any]:
    paths = [f"/v1/media/{media_id}", f"/v1/media/{media_id}/thumbnail"]
    paths.append(f"/v1/media/{media_id}/metadata")
    answers = [_get(client, user, path) for path in paths]
    return [
        (a.status_code, a.json() if a.headers["content-type"] == "application/json" else None)
        for a in answers
    ]


def test_strangers_and_removed_members_get_the_same_404_as_for_no_media(
    client: TestClient,
) -> None:
    ann, ben, cat, eve = (register(client, name) for name in ("ann", "ben", "cat", "eve"))
    group = group_of(client, ann, ben, cat)
    media = uploaded(client, ann, media_files.jpeg_with_gps(300, 200), "image/jpeg")
    assert send_with(client, ann, group, [media["media_id"]], "see").status_code == 202
    posted(client, cat, group, 1)
    member = _media_answers(client, cat, media["media_id"])
    assert [status for status, _ in member] == [200, 200, 200]
    client.delete(f"/v1/conversations/{group}/members/{ben.user_id}", headers=ann.auth)
    wait_until(
        lambda: client.get(f"/v1/conversations/{group}", headers=ben.auth).status_code == 404
    )
    missing = _media_answers(client, eve, "0" * 32)
    assert _media_answers(client, eve, media["media_id"]) == missing
    assert _media_answers(client, ben, media["media_id"]) == missing
    assert {status for status, _ in missing} == {404}


def _refused(client: TestClient, blob_dir: Path, user: Account, data: bytes, declared: str) -> Any:
    before = _stored_blobs(blob_dir)
    answer = upload(client, user, data, declared)
    assert _stored_blobs(blob_dir) == before
    return answer


def test_bytes_that_are_not_their_declared_type_get_415(client: TestClient, blob_dir: Path) -> None:
    answer = _refused(client, blob_dir, register(client), media_files.png(), "image/jpeg")
    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "bad_request"


def test_a_truncated_image_gets_415(client: TestClient, blob_dir: Path) -> None:
    answer = _refused(
        client, blob_dir, register(client), media_files.truncated_jpeg(), "image/jpeg"
    )
    assert answer.status_code == 415


def test_a_pixel_bomb_gets_413(client: TestClient, blob_dir: Path) -> None:
    answer = _refused(client, blob_dir, register(client), media_files.pixel_bomb(), "image/png")
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"


def test_a_zero_byte_upload_gets_400(client: TestClient, blob_dir: Path) -> None:
    answer = _refused(client, blob_dir, register(client), b"", "image/png")
    assert answer.status_code == 400


def test_an_oversize_file_gets_413(client: TestClient, blob_dir: Path) -> None:
    """That it is refused while it streams in: tests/unit/test_media_upload.py."""
    user = register(client)
    head = media_files.png()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(10):  # 640 kB more, over the 300 kB limit of images
            yield b"\0" * 64_000

    before = _stored_blobs(blob_dir)
    answer = client.post(
        "/v1/media", content=body(), headers={**user.auth, "Content-Type": "image/png"}
    )
    assert answer.status_code == 413
    assert _stored_blobs(blob_dir) == before


def test_more_than_ten_attachments_are_refused_and_nothing_is_posted(client: TestClient) -> None:
    ann, ben = register(client, "ann"), register(client, "ben")
    group = group_of(client, ann, ben)
    ids = [
        uploaded(client, ann, media_files.png(8 + i, 8), "image/png")["media_id"] for i in range(11)
    ]
    answer = send_with(client, ann, group, ids)
    assert answer.status_code == 422
    assert send_with(client, ann, group, [], "after").status_code == 202
    assert [m["body"] for m in posted(client, ben, group, 1)] == ["after"]


def test_a_media_id_the_sender_did_not_upload_gets_404_and_nothing_is_posted(
    client: TestClient,
) -> None:
    ann, ben = register(client, "ann"), register(client, "ben")
    group = group_of(client, ann, ben)
    bens = uploaded(client, ben, media_files.png(), "image/png")
    assert send_with(client, ann, group, [bens["media_id"]]).status_code == 404
    assert send_with(client, ann, group, ["nope"]).status_code == 404
    assert send_with(client, ann, group, [], "after").status_code == 202
    assert [m["body"] for m in posted(client, ben, group, 1)] == ["after"]
    assert len(messages(client, ben, group)) == 1


def test_the_inbox_last_message_shows_its_attachments(client: TestClient) -> None:
    ann, ben = register(client, "ann"), register(client, "ben")
    group = group_of(client, ann, ben)
    media = uploaded(client, ann, media_files.png(), "image/png")
    send_with(client, ann, group, [media["media_id"]])
    posted(client, ben, group, 1)
    inbox = client.get("/v1/conversations", headers=ben.auth).json()["conversations"]
    [seen] = [c for c in inbox if c["conversation_id"] == group]
    assert seen["last_message"]["attachments"] == [media]
