"""The edge on uvicorn: WebSocket settings, and closing the sockets with
1001 before uvicorn's own shutdown."""

from __future__ import annotations

import os
import socket
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from app.edge import EdgeAdaptersFactory, create_app
from app.health import process_health
from app.settings import Settings
from app.supervise import exit_after_grace
from ws_edge.registry import SocketRegistry
from ws_edge.services import MAX_FRAME_BYTES

EDGE_STOP_GRACE_SECONDS = 10.0
"""Sockets closed with 1001 and the sends in flight answered, then the edge
exits, even if the log cannot take its last records."""


class EdgeServer(uvicorn.Server):
    """Closes the app's sockets with 1001 (going away) before uvicorn's own
    shutdown, which would close them with 1012."""

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._app = app
        self._sockets: SocketRegistry = app.state.sockets

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            process_health().stopping.set()  # /readyz: 503 from now on
            exit_after_grace(EDGE_STOP_GRACE_SECONDS)  # a broker that is down must not hold it up
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # no new connection from now on
            server.close()
        # Out of discovery first; each socket is told where to go, then 1001.
        drain = getattr(self._app.state, "drain", None)
        farewell = await drain() if drain is not None else None
        await self._sockets.close_all(farewell=farewell)
        await super().shutdown(sockets)


def serve_app(settings: Settings, factory: EdgeAdaptersFactory) -> None:
    app = create_app(settings, factory)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_max_size=MAX_FRAME_BYTES,
        # Compressing small JSON frames costs more CPU than it saves, and
        # ~46 KiB of zlib state per socket.
        ws_per_message_deflate=False,
        # A socket that stops answering pings is closed (and its user goes
        # offline) within 40 s; a dead edge's users within the lease, 45 s.
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        lifespan="on",
        log_level=os.environ.get("CHAT_LOG_LEVEL", "info").lower(),
        # JSON lines: uvicorn's loggers go to the root handler (app.logs).
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        access_log=False,
    )
    EdgeServer(config, app).run()
