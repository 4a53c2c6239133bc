"""What only a real socket can send: invalid UTF-8, and a reader that stops."""

from __future__ import annotations

import base64
import contextlib
import os
import socket as sockets
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import HIGH_LIMITS, Stack, embedded_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Stack]:
    with embedded_server(tmp_path, {**HIGH_LIMITS, "CHAT_WS_SEND_QUEUE_FRAMES": "20"}) as s:
        yield s


def test_a_text_frame_of_invalid_utf8_closes_with_1007_and_others_are_served(
    server: Stack,
) -> None:
    attacker, other = (User(server.base_url, unique_handle(n)) for n in ("mal", "ann"))
    hostile = attacker.socket(server.ws_url)
    hostile.connection.send(b'{"type": "ping", "x": "\xff\xfe"}', text=True)
    with pytest.raises(ConnectionClosed) as closed:
        hostile.connection.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
    fine = other.socket(server.ws_url)
    fine.send_frame({"type": "ping", "id": "still"})
    assert fine.wait_for(lambda f: f.get("id") == "still")["type"] == "pong"


def test_a_socket_that_stops_reading_is_closed_with_1008(server: Stack) -> None:
    sender, reader = (User(server.base_url, unique_handle(n)) for n in ("ann", "ben"))
    chat = sender.start_direct(reader)
    with raw_socket(server.port, reader.token) as slow:  # then never reads
        path = f"/v1/conversations/{chat}/messages"
        for number in range(1200):  # ~19 MB of pushes: more than socket buffers hold
            sender.http.post(path, json={"client_msg_id": f"c{number}", "body": "x" * 16000})
        assert close_code_after_draining(slow) == 1008


@contextlib.contextmanager
def raw_socket(port: int, token: str) -> Iterator[sockets.socket]:
    """A WebSocket handshake by hand, so that nothing reads behind the test's back."""
    connection = sockets.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall(
        (
            f"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += connection.recv(1)
    assert response.startswith(b"HTTP/1.1 101")
    try:
        yield connection
    finally:
        connection.close()


def close_code_after_draining(connection: sockets.socket) -> int | None:
    """Reads frames until the server's close frame; returns its code."""
    connection.settimeout(20)
    stream = connection.makefile("rb")
    while True:
        head = stream.read(2)
        if len(head) < 2:
            return None
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", stream.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", stream.read(8))[0]
        payload = stream.read(length)
        if opcode == 0x8:
            return int(struct.unpack("!H", payload[:2])[0]) if len(payload) >= 2 else None
