"""The small HTTP server of a role without an edge (processor, projector,
notifier): ``/healthz``, ``/readyz`` and ``/metrics`` on its own port.

A stdlib ``ThreadingHTTPServer`` in a daemon thread, not a second uvicorn:
these roles are plain threads with no event loop to share, the server
answers a scrape every few seconds, and a thread per request keeps a slow
probe (a broker that is down: up to ``PROBE_TIMEOUT_SECONDS`` per service)
from holding up ``/healthz`` or ``/metrics``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.health import HealthBoard, liveness_answer, readiness_answer
from app.metrics import exposition

log = logging.getLogger(__name__)

Probe = Callable[[], None]
"""Raises unless its service answers (bounded by its own timeout)."""


def run_probes(probes: Mapping[str, Probe]) -> dict[str, str | None]:
    """Each service's problem (the error, in one line), or None if it answered."""
    results: dict[str, str | None] = {}
    for name, probe in probes.items():
        try:
            probe()
            results[name] = None
        except Exception as error:
            results[name] = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    return results


class HealthServer:
    """Serves the board and the probes on ``host:port`` until closed."""

    def __init__(
        self, host: str, port: int, board: HealthBoard, probes: Mapping[str, Probe]
    ) -> None:
        handler = _handler(board, probes)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        log.info("health and metrics on port %d", self.port)
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(board: HealthBoard, probes: Mapping[str, Probe]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._json(*liveness_answer(board))
            elif path == "/readyz":
                self._json(*readiness_answer(board, run_probes(probes)))
            elif path == "/metrics":
                body, content_type = exposition()
                self._answer(200, body, content_type)
            else:
                self._json(404, {"error": {"code": "not_found", "message": "no such path"}})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._answer(status, json.dumps(body).encode(), "application/json")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes are not worth a log line each

    return Handler
