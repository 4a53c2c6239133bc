"""A client that stops reading its socket: a WebSocket handshake by hand on
a TCP socket with a small receive buffer, then nothing is read until the
test drains it to find how the server closed it."""

from __future__ import annotations

import base64
import os
import socket
import struct

RECEIVE_BUFFER = 4096  # bytes: loopback's default would hold megabytes


class SlowReader:
    def __init__(self, port: int, token: str) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self._socket.settimeout(10)
        self._socket.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self._socket.sendall(
            (
                f"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
            ).encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self._socket.recv(1)
            if not chunk:
                raise ConnectionError("the edge closed the handshake")
            response += chunk
        if not response.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(response.decode(errors="replace"))

    def close_code(self, timeout: float = 30.0) -> int | None:
        """Reads (at last) until the server's close frame; its code, or None
        if the stream ended without one."""
        self._socket.settimeout(timeout)
        stream = self._socket.makefile("rb")
        try:
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
        except (TimeoutError, OSError):
            return None
        finally:
            stream.close()

    def close(self) -> None:
        self._socket.close()
