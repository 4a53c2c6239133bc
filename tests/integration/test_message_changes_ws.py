"""Edits, deletions, reactions and replies through the WebSocket edge, on
the embedded stack: the frames, the pushes, the answers and sync."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.edge_app import Account, direct_conversation, edge_client, register


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client(change_burst=6, change_rate_per_second=0.01) as c:
        yield c


def receive_until(socket: Any, kind: str) -> dict[str, Any]:
    for _ in range(100):
        frame: dict[str, Any] = socket.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def connect(client: TestClient, user: Account) -> Any:
    socket = client.websocket_connect("/v1/ws", headers=user.auth)
    return socket


def posted(socket: Any, conversation_id: str, body: str, **extra: Any) -> dict[str, Any]:
    socket.send_json(
        {"type": "send", "conversation_id": conversation_id, "client_msg_id": body, "body": body}
        | extra
    )
    return receive_until(socket, "message")


def test_an_edit_reaches_both_sides_as_message_changed_and_keeps_the_seq(
    client: TestClient,
) -> None:
    ann, bob = register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    with connect(client, ann) as ann_socket, connect(client, bob) as bob_socket:
        receive_until(ann_socket, "ready"), receive_until(bob_socket, "ready")
        message = posted(ann_socket, chat, "helo")
        receive_until(bob_socket, "message")
        ann_socket.send_json(
            {"type": "edit", "id": 1, "conversation_id": chat, "seq": 1, "body": "hello"}
        )
        assert receive_until(ann_socket, "ok")["id"] == 1
        changed = receive_until(bob_socket, "message_changed")
    assert (changed["change_seq"], changed["message"]["seq"]) == (1, message["seq"])
    assert (changed["message"]["body"], changed["message"]["edited"]) == ("hello", True)


def test_an_edit_of_someone_elses_message_gets_the_answer_of_a_missing_one(
    client: TestClient,
) -> None:
    ann, bob, eve = register(client), register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    with connect(client, ann) as ann_socket, connect(client, bob) as bob_socket:
        receive_until(ann_socket, "ready"), receive_until(bob_socket, "ready")
        posted(ann_socket, chat, "mine")
        receive_until(bob_socket, "message")
        answers = []
        for seq in (1, 99):
            bob_socket.send_json(
                {"type": "edit", "id": seq, "conversation_id": chat, "seq": seq, "body": "x"}
            )
            answers.append(receive_until(bob_socket, "error"))
    with connect(client, eve) as eve_socket:
        receive_until(eve_socket, "ready")
        eve_socket.send_json(
            {"type": "react", "id": 5, "conversation_id": chat, "seq": 1, "emoji": "👍"}
        )
        answers.append(receive_until(eve_socket, "error"))
    assert {(a["code"], a["message"]) for a in answers} == {("not_found", "no such message")}


def test_a_late_device_catches_up_on_every_change_with_sync(client: TestClient) -> None:
    ann, bob = register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    with connect(client, ann) as ann_socket:
        receive_until(ann_socket, "ready")
        posted(ann_socket, chat, "one")
        posted(ann_socket, chat, "two")
        reply = posted(ann_socket, chat, "three", reply_to=1)
        assert reply["reply_to"]["body"] == "one"
        for frame in (
            {"type": "react", "seq": 2, "emoji": "👍"},
            {"type": "edit", "seq": 2, "body": "two!"},
            {"type": "delete", "seq": 1},
        ):
            ann_socket.send_json({**frame, "conversation_id": chat})
            receive_until(ann_socket, "message_changed")
    with connect(client, bob) as bob_socket:
        receive_until(bob_socket, "ready")
        bob_socket.send_json(
            {"type": "sync", "id": "s", "cursors": {chat: 2}, "changes": {chat: 0}}
        )
        frames = []
        while (frame := bob_socket.receive_json())["type"] != "synced":
            frames.append(frame)
    messages = [f for f in frames if f["type"] == "message"]
    changes = [f for f in frames if f["type"] == "message_changed"]
    assert [m["seq"] for m in messages] == [3]
    assert messages[0]["reply_to"] == {
        "seq": 1,
        "message_id": messages[0]["reply_to"]["message_id"],
        "sender_id": ann.user_id,
        "body": "",
        "edited": False,
        "deleted": True,
    }
    assert [(c["message"]["seq"], c["change_seq"]) for c in changes] == [(2, 2), (1, 3)]
    assert changes[0]["message"]["body"] == "two!"
    assert changes[0]["message"]["reactions"][0]["user_ids"] == [ann.user_id]
    assert (changes[1]["message"]["deleted"], changes[1]["message"]["body"]) == (True, "")


def test_changes_over_the_bucket_are_rate_limited(client: TestClient) -> None:
    ann, bob = register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    with connect(client, ann) as socket:
        receive_until(socket, "ready")
        posted(socket, chat, "react to me")
        answers = []
        for number in range(7):
            emoji = "👍" if number % 2 == 0 else "👎"
            socket.send_json(
                {"type": "react", "id": number, "conversation_id": chat, "seq": 1, "emoji": emoji}
            )
            answers.append(receive_until(socket, "error" if number == 6 else "ok"))
    assert answers[-1]["code"] == "rate_limited" and answers[-1]["retry_after_ms"] > 0


def test_a_reply_sent_over_http_shows_its_quote_in_history(client: TestClient) -> None:
    ann, bob = register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    path = f"/v1/conversations/{chat}/messages"
    client.post(path, json={"client_msg_id": "q", "body": "question"}, headers=ann.auth)
    answer = client.post(
        path, json={"client_msg_id": "a", "body": "answer", "reply_to": 1}, headers=bob.auth
    )
    assert answer.status_code == 202
    history: list[dict[str, Any]] = []
    for _ in range(200):
        history = client.get(path, headers=ann.auth).json()["messages"]
        if len(history) == 2:
            break
    assert history[1]["reply_to"]["body"] == "question"


def test_an_http_reply_to_a_message_that_does_not_exist_ends_as_a_rejected_push(
    client: TestClient,
) -> None:
    ann, bob = register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    with connect(client, bob) as bob_socket:
        receive_until(bob_socket, "ready")
        answer = client.post(
            f"/v1/conversations/{chat}/messages",
            json={"client_msg_id": "a", "body": "answer", "reply_to": 7},
            headers=bob.auth,
        )
        rejected = receive_until(bob_socket, "rejected")
    assert answer.status_code == 202
    assert (rejected["client_msg_id"], rejected["command"], rejected["code"]) == (
        "a",
        "SendMessage",
        "not_found",
    )
