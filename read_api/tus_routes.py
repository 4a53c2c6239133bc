"""tus 1.0 core resumable uploads (https://tus.io/protocols/resumable-upload,
with the creation extension) at /v1/uploads, so that tus-js-client, Uppy
and tuspy work: OPTIONS (what the server supports), POST (create:
Upload-Length, Upload-Metadata), HEAD (the offset to resume from), PATCH
(bytes at Upload-Offset, ``application/offset+octet-stream``); the finished
upload answers its media at GET. Another user's upload is 404."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request
from starlette.responses import Response

from commands.media_types import MediaRefused
from commands.tus_uploads import TusUpload, TusUploads
from projections.wire import Media
from read_api.errors import ApiError
from read_api.media_routes import media_service
from read_api.operations import NO_BODY, Operation
from read_api.requests import answer, services, session_of

TUS_VERSION = "1.0.0"
OFFSET_TYPE = "application/offset+octet-stream"
TYPE_KEYS = ("filetype", "content_type", "type", "mimetype")
"""Upload-Metadata keys that name the type (tus-js-client and Uppy: filetype)."""


def _tus_headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **extra}


def uploads(request: Request) -> TusUploads:
    found = services(request).uploads
    if found is None:
        raise ApiError("unavailable", "resumable uploads are not configured on this server")
    return found


def _require_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise ApiError("bad_request", f"Tus-Resumable must be {TUS_VERSION}", 412)


def _int_header(request: Request, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit():
        raise ApiError("bad_request", f"{name} must be a non-negative integer")
    return int(raw)


def declared_type(metadata: str) -> str:
    """The type an Upload-Metadata header names (``key base64,key base64``)."""
    pairs: dict[str, str] = {}
    for item in metadata.split(","):
        key, _, value = item.strip().partition(" ")
        try:
            pairs[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError("bad_request", "Upload-Metadata values are base64") from None
    return next((pairs[key] for key in TYPE_KEYS if key in pairs), "")


async def _owned(request: Request) -> TusUpload:
    session = await session_of(request)
    found = uploads(request).find(request.path_params["upload_id"], session.user_id)
    if found is None:
        raise ApiError("not_found", "no such upload")
    return found


async def options(request: Request) -> Response:
    await session_of(request)
    limit = media_service(request).policy.largest
    headers = _tus_headers(
        **{"Tus-Version": TUS_VERSION, "Tus-Extension": "creation", "Tus-Max-Size": str(limit)}
    )
    return Response(status_code=204, headers=headers)


async def create(request: Request) -> Response:
    session = await session_of(request)
    _require_version(request)
    media = media_service(request)
    length = _int_header(request, "upload-length")
    if length == 0:
        raise ApiError("bad_request", "the upload has no bytes")
    if length > media.policy.largest:
        raise ApiError("too_large", f"a file has at most {media.policy.largest} bytes")
    await media.admit(session.user_id, length)
    kind = declared_type(request.headers.get("upload-metadata", ""))
    upload = uploads(request).create(session.user_id, length, kind)
    location = str(request.url_for("finished_media", upload_id=upload.upload_id))
    return Response(status_code=201, headers=_tus_headers(Location=location))


async def head(request: Request) -> Response:
    upload = await _owned(request)
    headers = _tus_headers(
        **{
            "Upload-Offset": str(upload.offset),
            "Upload-Length": str(upload.length),
            "Cache-Control": "no-store",
        }
    )
    return Response(status_code=200, headers=headers)


async def patch(request: Request) -> Response:
    upload = await _owned(request)
    _require_version(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_TYPE:
        raise ApiError("bad_request", f"a PATCH carries {OFFSET_TYPE}", 415)
    offset = _int_header(request, "upload-offset")
    store = uploads(request)
    upload = await store.append(upload, offset, request.stream())
    if upload.offset == upload.length:
        await _finish(request, store, upload)
    return Response(status_code=204, headers=_tus_headers(**{"Upload-Offset": str(upload.offset)}))


async def _finish(request: Request, store: TusUploads, upload: TusUpload) -> None:
    try:
        media = await media_service(request).store_file(
            upload.user_id, store.part(upload.upload_id), upload.declared_type
        )
    except MediaRefused:
        store.remove(upload.upload_id)
        raise
    store.finish(upload, media.as_json())


async def finished_media(request: Request) -> Response:
    upload = await _owned(request)
    if upload.media is None:
        raise ApiError("conflict", f"the upload is at {upload.offset} of {upload.length} bytes")
    return answer(Media, upload.media)


operations = [
    Operation(
        "OPTIONS",
        "/v1/uploads",
        options,
        "tus: the protocol version, extensions and largest upload",
        {204: NO_BODY},
        (503,),
    ),
    Operation(
        "POST",
        "/v1/uploads",
        create,
        "tus creation: Upload-Length, Upload-Metadata (filetype); 201 with Location",
        {201: NO_BODY},
        (400, 412, 413, 429, 503),
    ),
    Operation(
        "HEAD",
        "/v1/uploads/{upload_id}",
        head,
        "tus: Upload-Offset to resume from",
        {200: NO_BODY},
        (404,),
    ),
    Operation(
        "PATCH",
        "/v1/uploads/{upload_id}",
        patch,
        "tus: bytes at Upload-Offset (application/offset+octet-stream)",
        {204: NO_BODY},
        (400, 404, 409, 412, 413, 415),
    ),
    Operation(
        "GET",
        "/v1/uploads/{upload_id}",
        finished_media,
        "The media of a finished upload (409 until it is finished)",
        {200: Media},
        (404, 409),
    ),
]
