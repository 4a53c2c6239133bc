"""Media over HTTP (PROTOCOL.md, "Media"): upload (raw bytes), download with
HTTP Range, thumbnail and metadata. A stranger (or a removed member) gets
the same 404 as for a media that does not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from commands.media import MediaService
from projections.wire import Media
from read_api.byte_ranges import Unsatisfiable, requested_range
from read_api.errors import ApiError
from read_api.operations import NO_BODY, Operation
from read_api.requests import answer, services, session_of


def media_service(request: Request) -> MediaService:
    media = services(request).media
    if media is None:
        raise ApiError("unavailable", "media are not configured on this server")
    return media


def _media_id(request: Request) -> str:
    media_id: str = request.path_params["media_id"]
    return media_id


async def upload_media(request: Request) -> Response:
    session = await session_of(request)
    media = media_service(request)
    declared = request.headers.get("content-type", "")
    length = request.headers.get("content-length", "")
    if length.isdigit():
        if int(length) == 0:
            raise ApiError("bad_request", "the upload has no bytes")
        if int(length) > media.policy.largest:
            raise ApiError("too_large", f"a file has at most {media.policy.largest} bytes")
    size = int(length) if length.isdigit() else None
    uploaded = await media.upload(session.user_id, declared, request.stream(), size)
    return answer(Media, uploaded.as_json(), 201)


async def media_metadata(request: Request) -> Response:
    session = await session_of(request)
    stored = await media_service(request).readable(_media_id(request), session.user_id)
    return answer(Media, stored.media.as_json())


async def download_media(request: Request) -> Response:
    session = await session_of(request)
    media = media_service(request)
    stored = await media.readable(_media_id(request), session.user_id)
    size = stored.media.size
    headers = {
        "ETag": f'"{stored.media.sha256}"',
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    try:
        wanted = requested_range(request.headers.get("range"), size)
    except Unsatisfiable:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if wanted is None:
        body = _stream(media, stored.media.sha256, 0, None)
        headers["Content-Length"] = str(size)
        return StreamingResponse(body, 200, headers, media_type=stored.media.content_type)
    headers["Content-Range"] = wanted.content_range(size)
    headers["Content-Length"] = str(wanted.length)
    body = _stream(media, stored.media.sha256, wanted.first, wanted.last)
    return StreamingResponse(body, 206, headers, media_type=stored.media.content_type)


async def download_thumbnail(request: Request) -> Response:
    session = await session_of(request)
    media = media_service(request)
    stored = await media.readable(_media_id(request), session.user_id)
    if stored.thumbnail_sha256 is None:
        raise ApiError("not_found", "this media has no thumbnail")
    headers = {"ETag": f'"{stored.thumbnail_sha256}"', "X-Content-Type-Options": "nosniff"}
    body = _stream(media, stored.thumbnail_sha256, 0, None)
    return StreamingResponse(body, 200, headers, media_type="image/jpeg")


async def _stream(
    media: MediaService, sha256: str, first: int, last: int | None
) -> AsyncIterator[bytes]:
    async for chunk in media.read(sha256, first, last):
        yield chunk


operations = [
    Operation(
        "POST",
        "/v1/media",
        upload_media,
        "Upload a photo, voice note, video or file (raw bytes; the type is sniffed)",
        {201: Media},
        (400, 413, 415, 429, 503),
    ),
    Operation(
        "GET",
        "/v1/media/{media_id}",
        download_media,
        "The bytes of a media (HTTP Range: 206); 404 unless the caller may see it",
        {200: NO_BODY, 206: NO_BODY},
        (404, 416),
    ),
    Operation(
        "GET",
        "/v1/media/{media_id}/thumbnail",
        download_thumbnail,
        "A JPEG thumbnail, at most 320 px on its longest side (images and videos)",
        {200: NO_BODY},
        (404,),
    ),
    Operation(
        "GET",
        "/v1/media/{media_id}/metadata",
        media_metadata,
        "The media object; 404 unless the caller may see it",
        {200: Media},
        (404,),
    ),
]
