"""The WebSocket edge's handshake, frames and errors, on the embedded stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from tests.integration.edge_app import Account, direct_conversation, edge_client, register


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client(allowed_origins=("https://chat.example",), ws_auth_timeout_seconds=0.3) as c:
        yield c


def receive_until(socket: Any, kind: str) -> dict[str, Any]:
    for _ in range(100):
        frame: dict[str, Any] = socket.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_the_auth_frame_gets_ready(client: TestClient) -> None:
    user = register(client)
    with client.websocket_connect("/v1/ws") as socket:
        socket.send_json({"type": "auth", "token": user.token})
        ready = socket.receive_json()
    assert (ready["type"], ready["user_id"]) == ("ready", user.user_id)
    assert ready["session_id"]


def test_a_bearer_header_gets_ready_at_once(client: TestClient) -> None:
    user = register(client)
    with client.websocket_connect("/v1/ws", headers=user.auth) as socket:
        assert socket.receive_json()["type"] == "ready"


def test_a_bad_token_closes_with_4401(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws") as socket:
        socket.send_json({"type": "auth", "token": "forged"})
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401


def test_silence_after_connecting_closes_with_4408(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws") as socket, pytest.raises(WebSocketDisconnect) as closed:
        socket.receive_json()
    assert closed.value.code == 4408


def test_a_foreign_origin_is_refused_with_403(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect("/v1/ws", headers={"Origin": "https://evil.example"}),
    ):
        pass
    assert refused.value.status_code == 403


def test_an_allowed_origin_is_accepted(client: TestClient) -> None:
    user = register(client)
    headers = {**user.auth, "Origin": "https://chat.example"}
    with client.websocket_connect("/v1/ws", headers=headers) as socket:
        assert socket.receive_json()["type"] == "ready"


def test_the_pages_own_origin_is_accepted_without_being_listed(client: TestClient) -> None:
    user = register(client)
    headers = {**user.auth, "Origin": "http://testserver"}  # the Host TestClient sends
    with client.websocket_connect("/v1/ws", headers=headers) as socket:
        assert socket.receive_json()["type"] == "ready"


@pytest.mark.parametrize(
    "origin", ["http://testserver:8080", "http://testserver.evil.example", "null", "file://"]
)
def test_an_origin_that_only_resembles_the_pages_own_is_refused(
    client: TestClient, origin: str
) -> None:
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect("/v1/ws", headers={"Origin": origin}),
    ):
        pass
    assert refused.value.status_code == 403


def ready_socket(client: TestClient, user: Account) -> Any:
    socket = client.websocket_connect("/v1/ws", headers=user.auth)
    opened = socket.__enter__()
    assert opened.receive_json()["type"] == "ready"
    return opened


def test_ping_gets_pong_with_its_id(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws", headers=register(client).auth) as socket:
        socket.receive_json()
        socket.send_json({"type": "ping", "id": 7})
        assert socket.receive_json() == {"type": "pong", "id": 7}


@pytest.mark.parametrize(
    ("text", "has_id"),
    [
        ("{nope", False),
        ("[1, 2]", False),
        (json.dumps({"type": "warp", "id": "a"}), True),
        (json.dumps({"type": "send", "id": "a", "conversation_id": 5}), True),
        (json.dumps({"type": "sync", "id": "a", "cursors": {"c": "x"}}), True),
        ("[" * 5000 + "]" * 5000, False),
    ],
)
def test_a_bad_frame_gets_bad_request_and_the_socket_stays_open(
    client: TestClient, text: str, has_id: bool
) -> None:
    with client.websocket_connect("/v1/ws", headers=register(client).auth) as socket:
        socket.receive_json()
        socket.send_text(text)
        error = socket.receive_json()
        socket.send_json({"type": "ping", "id": "still"})
        assert socket.receive_json() == {"type": "pong", "id": "still"}
    assert (error["type"], error["code"]) == ("error", "bad_request")
    assert ("id" in error) == has_id


def test_a_send_to_a_conversation_of_others_gets_not_found(client: TestClient) -> None:
    alice, bob, mallory = register(client), register(client), register(client)
    conversation_id = direct_conversation(client, alice, bob)
    with client.websocket_connect("/v1/ws", headers=mallory.auth) as socket:
        socket.receive_json()
        socket.send_json(
            {
                "type": "send",
                "id": 1,
                "conversation_id": conversation_id,
                "client_msg_id": "x",
                "body": "hi",
            }
        )
        error = socket.receive_json()
    assert (error["type"], error["code"], error["id"]) == ("error", "not_found", 1)


def test_a_message_reaches_every_socket_of_both_users(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    conversation_id = direct_conversation(client, alice, bob)
    with (
        client.websocket_connect("/v1/ws", headers=alice.auth) as alice_socket,
        client.websocket_connect("/v1/ws", headers=bob.auth) as bob_phone,
        client.websocket_connect("/v1/ws", headers=bob.auth) as bob_laptop,
    ):
        for socket in (alice_socket, bob_phone, bob_laptop):
            socket.receive_json()
        alice_socket.send_json(
            {
                "type": "send",
                "id": "s1",
                "conversation_id": conversation_id,
                "client_msg_id": "m1",
                "body": "hi",
            }
        )
        sent = receive_until(alice_socket, "sent")
        pushes = [receive_until(s, "message") for s in (bob_phone, bob_laptop)]
    assert {p["message_id"] for p in pushes} == {sent["message_id"]}


def test_sync_replays_what_was_missed_then_says_synced(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    conversation_id = direct_conversation(client, alice, bob)
    path = f"/v1/conversations/{conversation_id}/messages"
    for number in range(3):
        client.post(
            path, json={"client_msg_id": f"c{number}", "body": f"b{number}"}, headers=alice.auth
        )
    with client.websocket_connect("/v1/ws", headers=bob.auth) as socket:
        socket.receive_json()
        seqs: list[int] = []
        while len(seqs) < 2:  # wait until the three are projected, then sync from seq 1
            socket.send_json({"type": "sync", "id": "s", "cursors": {conversation_id: 1}})
            frames = [socket.receive_json()]
            while frames[-1]["type"] != "synced":
                frames.append(socket.receive_json())
            seqs = [f["seq"] for f in frames if f["type"] == "message"]
    assert seqs == [2, 3]
    assert frames[-1] == {"type": "synced", "id": "s"}


def test_logout_closes_that_sessions_sockets_with_4401(client: TestClient) -> None:
    user = register(client)
    with client.websocket_connect("/v1/ws", headers=user.auth) as socket:
        socket.receive_json()
        assert client.delete("/v1/sessions/current", headers=user.auth).status_code == 204
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401


def test_sync_also_sends_the_current_receipts(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    conversation_id = direct_conversation(client, alice, bob)
    client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"client_msg_id": "c1", "body": "hi"},
        headers=alice.auth,
    )
    with client.websocket_connect("/v1/ws", headers=bob.auth) as socket:
        socket.receive_json()
        socket.send_json(
            {"type": "read", "id": "r", "conversation_id": conversation_id, "up_to_seq": 1}
        )
        receipts: list[dict[str, Any]] = []
        for _ in range(500):  # until the read is projected
            if {r["kind"] for r in receipts} == {"delivered", "read"}:
                break
            socket.send_json({"type": "sync", "id": "s", "cursors": {conversation_id: 1}})
            frames = [socket.receive_json()]
            while frames[-1].get("id") != "s":
                frames.append(socket.receive_json())
            receipts = [f for f in frames if f["type"] == "receipt" and f["user_id"] == bob.user_id]
    # A pushed receipt may come in too; the sync's own carry both watermarks.
    assert {(r["kind"], r["up_to_seq"]) for r in receipts} == {("delivered", 1), ("read", 1)}


def test_a_socket_is_closed_with_4401_when_its_session_expires() -> None:
    with edge_client(session_ttl_seconds=1) as short_lived:
        user = register(short_lived)
        with short_lived.websocket_connect("/v1/ws", headers=user.auth) as socket:
            socket.receive_json()
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()  # nothing else comes: the expiry closes it
    assert closed.value.code == 4401


def test_a_token_in_the_url_authenticates_no_one(client: TestClient) -> None:
    user = register(client)
    with (
        client.websocket_connect(f"/v1/ws?token={user.token}") as socket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        socket.receive_json()
    assert closed.value.code == 4408  # waited for an auth frame, as if no token came
