"""A Matrix push gateway on loopback for the tests: checks every request
against the Push Gateway API (``POST /_matrix/push/v1/notify``), records
it, and answers as told: ``rejected`` pushkeys, 5xx a number of times,
or holding answers until released."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NOTIFY = "/_matrix/push/v1/notify"
_STRINGS = ("event_id", "room_id", "type", "sender", "sender_display_name", "room_name")


def schema_problems(body: Any) -> list[str]:
    """What in a request body the Push Gateway API does not allow."""
    if not isinstance(body, dict) or set(body) != {"notification"}:
        return ["the body must be {'notification': {...}}"]
    note = body["notification"]
    if not isinstance(note, dict):
        return ["notification must be an object"]
    problems = [
        f"{key} must be a string"
        for key in _STRINGS
        if key in note and not isinstance(note[key], str)
    ]
    if note.get("prio", "high") not in ("high", "low"):
        problems.append("prio must be high or low")
    counts = note.get("counts", {})
    if not isinstance(counts, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts.values()
    ):
        problems.append("counts must map names to non-negative integers")
    if "content" in note and not isinstance(note["content"], dict):
        problems.append("content must be an object")
    devices = note.get("devices")
    if not isinstance(devices, list) or not devices:
        return [*problems, "devices must be a non-empty list"]
    for device in devices:
        if not isinstance(device, dict):
            problems.append("a device must be an object")
            continue
        if not isinstance(device.get("app_id"), str) or not 1 <= len(device["app_id"]) <= 64:
            problems.append("device app_id must be a string of 1 to 64 characters")
        if not isinstance(device.get("pushkey"), str) or not device["pushkey"]:
            problems.append("device pushkey must be a non-empty string")
    return problems


class LoopbackGateway:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.rejected: set[str] = set()
        self.failures_left = 0
        self.failure_status = 503
        self.arrived = 0
        self.arrival_times: dict[str, float] = {}
        """First arrival (monotonic seconds) of each event_id: for the benchmark."""
        """Valid requests that arrived, answered or still held."""
        self.released = threading.Event()
        self.released.set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def hold(self) -> None:
        """Answers wait until ``release()``."""
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    def notifications(self) -> list[dict[str, Any]]:
        with self._lock:
            return [request["notification"] for request in self.requests]

    def delivered(self) -> list[tuple[str, str]]:
        """(event_id, pushkey) of every notification, deduplicated by key,
        in order of first arrival: what a phone would show."""
        seen: dict[tuple[str, str], None] = {}
        for note in self.notifications():
            for device in note["devices"]:
                seen.setdefault((note["event_id"], device["pushkey"]), None)
        return list(seen)

    def wait_for(self, condition: Callable[[LoopbackGateway], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"gateway got {self.notifications()}")
            time.sleep(0.02)

    def _answer(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        problems = schema_problems(body)
        if problems:
            with self._lock:
                self.problems += problems
            return 400, {"errcode": "M_BAD_JSON", "error": "; ".join(problems)}
        with self._lock:
            self.arrived += 1
        self.released.wait(120)
        with self._lock:
            self.requests.append(body)
            self.arrival_times.setdefault(
                body["notification"].get("event_id", ""), time.monotonic()
            )
            if self.failures_left > 0:
                self.failures_left -= 1
                return self.failure_status, {"errcode": "M_UNKNOWN"}
            pushkeys = [d["pushkey"] for d in body["notification"]["devices"]]
            return 200, {"rejected": [key for key in pushkeys if key in self.rejected]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != NOTIFY:
                    status, answer = 404, {"errcode": "M_UNRECOGNIZED"}
                else:
                    status, answer = gateway._answer(raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[LoopbackGateway]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.released.set()
            self._server.shutdown()
            self._server.server_close()
