"""Rate limits, the socket cap and size limits, on the embedded stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.edge_app import direct_conversation, edge_client, register


def test_sending_faster_than_the_bucket_gets_rate_limited_with_a_wait() -> None:
    with edge_client(send_burst=2, send_rate_per_second=0.01) as client:
        ann, ben = register(client), register(client)
        chat = direct_conversation(client, ann, ben)
        with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
            socket.receive_json()
            answers = []
            for number in range(3):
                socket.send_json(
                    {
                        "type": "send",
                        "id": number,
                        "conversation_id": chat,
                        "client_msg_id": f"c{number}",
                        "body": "hi",
                    }
                )
                reply = socket.receive_json()
                while reply.get("id") != number:  # pushes of the messages come too
                    reply = socket.receive_json()
                answers.append(reply)
        over_http = client.post(
            f"/v1/conversations/{chat}/messages",
            json={"client_msg_id": "h", "body": "hi"},
            headers=ann.auth,
        )
    assert [a["type"] for a in answers] == ["sent", "sent", "error"]
    assert answers[2]["code"] == "rate_limited"
    assert isinstance(answers[2]["retry_after_ms"], int) and answers[2]["retry_after_ms"] > 0
    assert over_http.status_code == 429
    assert int(over_http.headers["Retry-After"]) >= 1


def test_one_users_limit_does_not_slow_another() -> None:
    with edge_client(send_burst=1, send_rate_per_second=0.01) as client:
        ann, ben = register(client), register(client)
        chat = direct_conversation(client, ann, ben)
        path = f"/v1/conversations/{chat}/messages"
        for number in range(2):
            client.post(path, json={"client_msg_id": f"a{number}", "body": "x"}, headers=ann.auth)
        answer = client.post(path, json={"client_msg_id": "b", "body": "x"}, headers=ben.auth)
    assert answer.status_code == 202


def test_repeated_login_attempts_are_throttled() -> None:
    with edge_client(login_attempts_per_minute=3) as client:
        user = register(client)  # one login spent
        answers = [
            client.post("/v1/sessions", json={"handle": user.handle, "password": "wrong pass"})
            for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert answers[2].json()["error"]["code"] == "rate_limited"


def test_a_socket_over_the_per_user_cap_is_closed_with_4429() -> None:
    with edge_client(max_sockets_per_user=2) as client:
        user = register(client)
        with (
            client.websocket_connect("/v1/ws", headers=user.auth) as first,
            client.websocket_connect("/v1/ws", headers=user.auth) as second,
        ):
            first.receive_json()
            second.receive_json()
            with (
                client.websocket_connect("/v1/ws", headers=user.auth) as third,
                pytest.raises(WebSocketDisconnect) as closed,
            ):
                third.receive_json()
    assert closed.value.code == 4429


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client() as running:
        yield running


def test_a_frame_over_64_kib_closes_the_socket_with_1009(client: TestClient) -> None:
    user = register(client)
    with client.websocket_connect("/v1/ws", headers=user.auth) as socket:
        socket.receive_json()
        socket.send_text('{"type": "ping", "pad": "' + "x" * (64 * 1024) + '"}')
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 1009


def test_a_body_over_16_kib_gets_too_large_and_the_socket_stays(client: TestClient) -> None:
    ann, ben = register(client), register(client)
    chat = direct_conversation(client, ann, ben)
    with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
        socket.receive_json()
        socket.send_json(
            {
                "type": "send",
                "id": 1,
                "conversation_id": chat,
                "client_msg_id": "big",
                "body": "é" * (8 * 1024 + 1),
            }
        )
        error = socket.receive_json()
        socket.send_json({"type": "ping", "id": 2})
        assert socket.receive_json() == {"type": "pong", "id": 2}
    assert (error["code"], error["id"]) == ("too_large", 1)


def test_a_flood_of_syncs_is_rate_limited(client: TestClient) -> None:
    user = register(client)
    with client.websocket_connect("/v1/ws", headers=user.auth) as socket:
        socket.receive_json()
        answers = []
        for number in range(12):
            socket.send_json({"type": "sync", "id": number, "cursors": {}})
            answers.append(socket.receive_json())
    assert [a["type"] for a in answers[:10]] == ["synced"] * 10
    assert answers[-1]["code"] == "rate_limited"
