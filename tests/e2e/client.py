"""A protocol client for tests: HTTP with httpx, sockets with websockets."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

Frame = dict[str, Any]


class User:
    def __init__(self, base_url: str, handle: str, password: str = "correct horse") -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.handle = handle
        created = self.http.post("/v1/users", json={"handle": handle, "password": password})
        assert created.status_code == 201, created.text
        self.user_id: str = created.json()["user_id"]
        login = self.http.post("/v1/sessions", json={"handle": handle, "password": password})
        assert login.status_code == 201, login.text
        self.token: str = login.json()["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def start_direct(self, peer: User) -> str:
        answer = self.http.post(
            "/v1/conversations", json={"kind": "direct", "peer_id": peer.user_id}
        )
        assert answer.status_code in (201, 202), answer.text
        conversation_id: str = answer.json()["conversation_id"]
        if answer.status_code == 202:
            self.wait_until_visible(conversation_id)
        return conversation_id

    def create_group(self, title: str, members: list[User]) -> str:
        body = {"kind": "group", "title": title, "member_ids": [m.user_id for m in members]}
        answer = self.http.post("/v1/conversations", json=body)
        assert answer.status_code in (201, 202), answer.text
        conversation_id: str = answer.json()["conversation_id"]
        self.wait_until_visible(conversation_id)
        return conversation_id

    def remove_member(self, conversation_id: str, member: User) -> None:
        path = f"/v1/conversations/{conversation_id}/members/{member.user_id}"
        answer = self.http.delete(path)
        assert answer.status_code == 202, answer.text

    def add_members(self, conversation_id: str, members: list[User]) -> None:
        path = f"/v1/conversations/{conversation_id}/members"
        answer = self.http.post(path, json={"user_ids": [m.user_id for m in members]})
        assert answer.status_code == 202, answer.text

    def inbox(self) -> list[Frame]:
        answer = self.http.get("/v1/conversations")
        assert answer.status_code == 200, answer.text
        conversations: list[Frame] = answer.json()["conversations"]
        return conversations

    def wait_until_visible(self, conversation_id: str, timeout: float = 60.0) -> None:
        """202 means accepted but not yet projected: poll until it is."""
        deadline = time.monotonic() + timeout
        while self.http.get(f"/v1/conversations/{conversation_id}").status_code != 200:
            if time.monotonic() > deadline:
                raise TimeoutError(f"conversation {conversation_id} never became visible")
            time.sleep(0.1)

    def history(self, conversation_id: str, **params: int) -> Frame:
        answer = self.http.get(f"/v1/conversations/{conversation_id}/messages", params=params)
        assert answer.status_code == 200, answer.text
        page: Frame = answer.json()
        return page

    def socket(self, ws_url: str) -> Socket:
        return Socket(ws_url, self.token)

    def discover(self) -> Frame:
        """``GET /v1/edge`` through the edge this user's HTTP client talks to."""
        answer = self.http.get("/v1/edge")
        assert answer.status_code == 200, answer.text
        edge: Frame = answer.json()
        return edge

    def follow_discovery(self) -> Socket:
        """A socket on the edge discovery chose for this user."""
        return Socket(self.discover()["ws_url"], self.token)


def unique_handle(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class Socket:
    def __init__(self, ws_url: str, token: str) -> None:
        self._connect = connect(ws_url, open_timeout=10)
        self.connection: ClientConnection = self._connect.__enter__()
        self.backlog: list[Frame] = []
        self.send_frame({"type": "auth", "token": token})
        self.ready = self.wait_for(lambda f: f["type"] == "ready")

    def send_frame(self, frame: Frame) -> None:
        self.connection.send(json.dumps(frame))

    def wait_for(self, matches: Callable[[Frame], bool], timeout: float = 30.0) -> Frame:
        for index, waiting in enumerate(self.backlog):
            if matches(waiting):
                return self.backlog.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame; backlog: {self.backlog[-5:]}")
            try:
                frame: Frame = json.loads(self.connection.recv(timeout=remaining))
            except TimeoutError:
                continue
            if matches(frame):
                return frame
            self.backlog.append(frame)

    def sync(self, cursors: dict[str, int]) -> list[Frame]:
        """Every frame up to and including ``synced``."""
        self.send_frame({"type": "sync", "id": "sync", "cursors": cursors})
        frames: list[Frame] = []
        while not frames or frames[-1]["type"] != "synced":
            frames.append(self.wait_for(lambda f: f["type"] in ("message", "synced")))
        return frames

    def message_with_seq(self, seq: int) -> Frame:
        return self.wait_for(lambda f: f["type"] == "message" and f["seq"] == seq)

    def send_message(
        self, conversation_id: str, client_msg_id: str, body: str, timeout: float = 30.0
    ) -> Frame:
        self.send_frame(
            {
                "type": "send",
                "id": client_msg_id,
                "conversation_id": conversation_id,
                "client_msg_id": client_msg_id,
                "body": body,
            }
        )
        return self.wait_for(
            lambda f: f.get("id") == client_msg_id and f["type"] in ("sent", "error"), timeout
        )

    def until_closed(self, timeout: float = 30.0) -> int | None:
        """Reads (into the backlog) until the server closes; its close code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                text = self.connection.recv(timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                continue
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
            self.backlog.append(json.loads(text))
        raise TimeoutError("the server did not close the socket")

    def reconnected(self, token: str) -> Socket:
        """After a drain: a socket where the ``reconnect`` frame said to go."""
        frame = self.wait_for(lambda f: f["type"] == "reconnect", timeout=0.1)
        return Socket(frame["ws_url"], token)

    def close(self) -> None:
        self._connect.__exit__(None, None, None)
