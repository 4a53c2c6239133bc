"""Text that PostgreSQL or UTF-8 cannot hold is refused at the edge, before the log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.edge_app import direct_conversation, edge_client, register


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client() as running:
        yield running


@pytest.mark.parametrize("body", ["x\u0000y", "\ud800"])
def test_an_http_send_with_nul_or_a_lone_surrogate_gets_422(client: TestClient, body: str) -> None:
    ann, ben = register(client), register(client)
    chat = direct_conversation(client, ann, ben)
    answer = client.post(
        f"/v1/conversations/{chat}/messages",
        content=json.dumps({"client_msg_id": "c", "body": body}),  # escapes both
        headers={**ann.auth, "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    history = client.get(f"/v1/conversations/{chat}/messages", headers=ben.auth).json()
    assert history["messages"] == []


@pytest.mark.parametrize("escaped", ["x\\u0000y", "\\ud800"])
def test_a_socket_send_with_nul_or_a_lone_surrogate_gets_bad_request(
    client: TestClient, escaped: str
) -> None:
    ann, ben = register(client), register(client)
    chat = direct_conversation(client, ann, ben)
    with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
        socket.receive_json()
        frame = json.dumps(
            {"type": "send", "id": 1, "conversation_id": chat, "client_msg_id": "c", "body": "BODY"}
        )
        socket.send_text(frame.replace('"BODY"', f'"{escaped}"'))
        error = socket.receive_json()
        socket.send_json({"type": "ping", "id": 2})
        assert socket.receive_json()["type"] == "pong"
    assert (error["type"], error["code"]) == ("error", "bad_request")


def test_a_group_with_a_blank_title_gets_422_at_once(client: TestClient) -> None:
    ann, ben = register(client), register(client)
    answer = client.post(
        "/v1/conversations",
        json={"kind": "group", "title": "   ", "member_ids": [ben.user_id]},
        headers=ann.auth,
    )
    assert answer.status_code == 422


def test_a_declared_oversized_body_gets_413_unread(client: TestClient) -> None:
    answer = client.post(
        "/v1/users",
        content=b"{" + b" " * (70 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413


def test_a_binary_auth_frame_closes_with_4401(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws") as socket:
        socket.send_bytes(b'{"type": "auth", "token": "x"}')
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401


@pytest.mark.parametrize(
    "path",
    [
        "/v1/conversations/a%00b",
        "/v1/conversations/a%00b/messages",
        "/v1/users/a%00b/presence",
        "/v1/users?handle=a%00b",
    ],
)
def test_an_id_no_conversation_or_user_could_have_is_404(client: TestClient, path: str) -> None:
    user = register(client)
    answer = client.get(path, headers=user.auth)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
