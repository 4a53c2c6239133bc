"""A Web Push service on loopback for the tests, with subscriptions the test
makes itself: it checks each request's VAPID JWT (RFC 8292) against the
server's public key and decrypts the payload (RFC 8291 ``aes128gcm``) with
the subscription's private key, and keeps what it read."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscription:
    """What a browser's PushManager.subscribe() would make."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def as_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


def new_subscription(endpoint: str) -> Subscription:
    """Fresh keys, as a browser makes them for each subscription."""
    return Subscription(endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    claims: dict[str, Any]
    payload: dict[str, Any]


def verify_vapid(authorization: str, server_key: str, origin: str) -> dict[str, Any]:
    """The JWT's claims, once its ES256 signature checks out with the
    server's key and its ``aud``, ``exp`` and ``sub`` are as RFC 8292 says."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid", authorization
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert parts["k"] == server_key, "the JWT is not signed by the server's VAPID key"
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(server_key))
    try:
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID signature does not verify") from None
    decoded: dict[str, Any] = json.loads(unb64url(claims))
    assert decoded["aud"] == origin
    assert time.time() < decoded["exp"] <= time.time() + 24 * 3600
    assert decoded["sub"].startswith(("mailto:", "https:"))
    return decoded


class LoopbackPushService:
    def __init__(self, server_key: str) -> None:
        self.server_key = server_key
        self.received: list[Received] = []
        self.problems: list[str] = []
        self.gone: set[str] = set()
        self._subscriptions: dict[str, Subscription] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def subscribe(self) -> Subscription:
        path = f"/push/{uuid.uuid4().hex}"
        subscription = new_subscription(self.origin + path)
        self._subscriptions[path] = subscription
        return subscription

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        if path in self.gone:
            return 410
        subscription = self._subscriptions.get(path)
        if subscription is None:
            return 404
        try:
            assert headers.get("content-encoding") == "aes128gcm", headers
            assert int(headers["ttl"]) >= 0
            claims = verify_vapid(headers["authorization"], self.server_key, self.origin)
            plain = http_ece.decrypt(
                body,
                private_key=subscription.private_key,
                auth_secret=subscription.auth,
                version="aes128gcm",
            )
        except (AssertionError, KeyError, ValueError) as error:
            with self._lock:
                self.problems.append(f"{type(error).__name__}: {error}")
            return 400
        with self._lock:
            self.received.append(Received(path, headers, claims, json.loads(plain)))
        return 201

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {key.lower(): value for key, value in self.headers.items()}
                status = service._receive(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[LoopbackPushService]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


class BlackHole:
    """A push service that accepts connections and never answers."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._held: list[Any] = []
        self._stop = threading.Event()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def held(self) -> int:
        return len(self._held)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(connection)

    @contextmanager
    def running(self) -> Iterator[BlackHole]:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(5)
            for connection in self._held:
                connection.close()
            self._listener.close()
