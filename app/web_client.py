"""The web client: the static bundle of ``web/`` served at ``/`` beside the
API, and the security headers of every HTTP answer (docs/security.md,
"The web client").

The page is native ES modules: no build step, nothing fetched from
anywhere but this origin. ``/`` is ``web/index.html``; ``/assets/...`` is
``web/assets/...``. Nothing else is taken from the folder, so a path of the
API that does not exist still gets the API's 404 answer.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

BUNDLED_WEB_DIR = Path(__file__).resolve().parents[1] / "web"
"""The ``web/`` folder of this checkout (the default of ``CHAT_WEB_DIR``)."""

_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")

_FIXED_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(self), geolocation=(), payment=(), usb=()"),
)


def content_security_policy(host: str | None, peers: tuple[str, ...] = ()) -> str:
    """Scripts, styles and images from this origin only; no inline script or
    style, no eval, no plugins, no framing; connections to this origin and
    its WebSocket only, and to the sockets of the ``peers`` (the origins of
    CHAT_ALLOWED_ORIGINS: the deployment's other edges, where discovery may
    send the page); images, voice and video also from ``blob:`` (media
    are fetched with the bearer token and shown as object URLs); the
    service worker from this origin. Trusted Types (one policy,
    ``service-worker-url``, which passes nothing but ``/sw.js``) make any HTML string sink
    (``innerHTML`` and the like) throw, so bodies can only ever be text."""
    hosts = [host] if host else []
    hosts += [urlsplit(origin).netloc for origin in peers]
    sockets = "".join(f" ws://{h} wss://{h}" for h in dict.fromkeys(hosts) if _HOST.match(h))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        "media-src 'self' blob:; worker-src 'self'; "
        f"font-src 'self'; connect-src 'self'{sockets}; manifest-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'; "
        "require-trusted-types-for 'script'; trusted-types service-worker-url"
    )


class SecurityHeaders:
    """Adds the security headers to every HTTP answer (the page's and the
    API's); API answers also get ``Cache-Control: no-store`` (they carry
    tokens and messages). WebSocket traffic passes untouched."""

    def __init__(self, app: ASGIApp, peers: tuple[str, ...] = ()) -> None:
        self.app = app
        self.peers = peers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        api = str(scope.get("path", "")).startswith("/v1/")
        policy = content_security_policy(host, self.peers).encode("latin-1")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", policy))
                headers.extend(_FIXED_HEADERS)
                if api:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _header(scope: Scope, name: bytes) -> str | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class _RevalidatedFiles(StaticFiles):
    """Static files a browser must revalidate before each use (ETag and
    Last-Modified answer 304), so a changed file is never served stale."""

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "no-cache"
        return response


VENDORED = {"tus-js-client": "tus-js-client/dist"}
"""Third-party browser code served at ``/vendor/<name>/`` from
``web/node_modules`` (``npm ci --prefix web``; web/package-lock.json)."""


def web_routes(directory: Path) -> list[BaseRoute]:
    """``/``, the service worker ``/sw.js``, ``/assets`` and the vendored
    packages from ``directory``; none if it has no page."""
    index = directory / "index.html"
    assets = directory / "assets"
    if not index.is_file() or not assets.is_dir():
        log.warning("no web client served: %s has no index.html and assets/", directory)
        return []

    async def page(request: Request) -> Response:
        return FileResponse(index, headers={"cache-control": "no-cache"})

    worker = directory / "sw.js"

    async def service_worker(request: Request) -> Response:
        return FileResponse(
            worker, media_type="text/javascript", headers={"cache-control": "no-cache"}
        )

    routes: list[BaseRoute] = [
        Route("/", page, methods=["GET", "HEAD"]),
        Route("/sw.js", service_worker, methods=["GET", "HEAD"]),
        Mount("/assets", _RevalidatedFiles(directory=assets), name="assets"),
    ]
    for name, folder in VENDORED.items():
        vendored = directory / "node_modules" / folder
        if vendored.is_dir():
            routes.append(Mount(f"/vendor/{name}", _RevalidatedFiles(directory=vendored)))
        else:
            log.warning("%s is missing (npm ci --prefix web): large uploads are off", vendored)
    return routes
