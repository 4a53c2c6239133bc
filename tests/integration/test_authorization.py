"""Every conversation route and frame answers a non-member or a removed member
exactly as it answers for a conversation that does not exist: 404 / not_found."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.integration.edge_app import Account, direct_conversation, edge_client, register

Call = Callable[[TestClient, Account, str, str], Any]

HTTP_CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/v1/conversations/{conversation_id}"): lambda c, u, cid, other: c.get(
        f"/v1/conversations/{cid}", headers=u.auth
    ),
    ("PATCH", "/v1/conversations/{conversation_id}"): lambda c, u, cid, other: c.patch(
        f"/v1/conversations/{cid}", json={"title": "mine now"}, headers=u.auth
    ),
    ("GET", "/v1/conversations/{conversation_id}/messages"): lambda c, u, cid, other: c.get(
        f"/v1/conversations/{cid}/messages", headers=u.auth
    ),
    ("POST", "/v1/conversations/{conversation_id}/messages"): lambda c, u, cid, other: c.post(
        f"/v1/conversations/{cid}/messages",
        json={"client_msg_id": "x", "body": "hi"},
        headers=u.auth,
    ),
    ("GET", "/v1/conversations/{conversation_id}/receipts"): lambda c, u, cid, other: c.get(
        f"/v1/conversations/{cid}/receipts", headers=u.auth
    ),
    ("POST", "/v1/conversations/{conversation_id}/members"): lambda c, u, cid, other: c.post(
        f"/v1/conversations/{cid}/members", json={"user_ids": [u.user_id]}, headers=u.auth
    ),
    ("DELETE", "/v1/conversations/{conversation_id}/members/{user_id}"): (
        lambda c, u, cid, other: c.delete(
            f"/v1/conversations/{cid}/members/{other}", headers=u.auth
        )
    ),
    ("GET", "/v1/users/{user_id}/presence"): lambda c, u, cid, other: c.get(
        f"/v1/users/{other}/presence", headers=u.auth
    ),
    ("GET", "/v1/users/{user_id}"): lambda c, u, cid, other: c.get(
        f"/v1/users/{other}", headers=u.auth
    ),
    ("PUT", "/v1/conversations/{conversation_id}/notifications"): lambda c, u, cid, other: c.put(
        f"/v1/conversations/{cid}/notifications", json={"muted": True}, headers=u.auth
    ),
    ("GET", "/v1/conversations/{conversation_id}/notifications"): lambda c, u, cid, other: c.get(
        f"/v1/conversations/{cid}/notifications", headers=u.auth
    ),
    ("DELETE", "/v1/devices/{device_id}"): lambda c, u, cid, other: c.delete(
        f"/v1/devices/{cid}", headers=u.auth
    ),
    # A stranger has no request from, friendship with or block of ``other``.
    ("POST", "/v1/friends/requests/{user_id}/accept"): lambda c, u, cid, other: c.post(
        f"/v1/friends/requests/{other}/accept", headers=u.auth
    ),
    ("DELETE", "/v1/friends/requests/{user_id}"): lambda c, u, cid, other: c.delete(
        f"/v1/friends/requests/{other}", headers=u.auth
    ),
    ("DELETE", "/v1/friends/{user_id}"): lambda c, u, cid, other: c.delete(
        f"/v1/friends/{other}", headers=u.auth
    ),
    ("DELETE", "/v1/blocks/{user_id}"): lambda c, u, cid, other: c.delete(
        f"/v1/blocks/{other}", headers=u.auth
    ),
    # Auditors only (tests/integration/test_audit_http.py grants one).
    ("GET", "/v1/audit/conversations/{conversation_id}/events"): lambda c, u, cid, other: c.get(
        f"/v1/audit/conversations/{cid}/events", headers=u.auth
    ),
    ("GET", "/v1/audit/conversations/{conversation_id}/verify"): lambda c, u, cid, other: c.get(
        f"/v1/audit/conversations/{cid}/verify", headers=u.auth
    ),
    # Media routes: tests/integration/test_media_http.py tries each with a real media.
    ("GET", "/v1/media/{media_id}"): lambda c, u, cid, other: c.get(
        f"/v1/media/{cid}", headers=u.auth
    ),
    ("GET", "/v1/media/{media_id}/thumbnail"): lambda c, u, cid, other: c.get(
        f"/v1/media/{cid}/thumbnail", headers=u.auth
    ),
    ("GET", "/v1/media/{media_id}/metadata"): lambda c, u, cid, other: c.get(
        f"/v1/media/{cid}/metadata", headers=u.auth
    ),
    ("GET", "/v1/uploads/{upload_id}"): lambda c, u, cid, other: c.get(
        f"/v1/uploads/{cid}", headers=u.auth
    ),
    ("PATCH", "/v1/uploads/{upload_id}"): lambda c, u, cid, other: c.patch(
        f"/v1/uploads/{cid}",
        content=b"x",
        headers={
            **u.auth,
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    ),
}

FRAMES: dict[str, dict[str, Any]] = {
    "send": {"client_msg_id": "x", "body": "hi"},
    "delivered": {"up_to_seq": 1},
    "read": {"up_to_seq": 1},
    "typing": {},
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client() as running:
        yield running


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_every_scoped_route_of_the_app_is_enumerated_here(client: TestClient) -> None:
    served = {
        (method, route.path)
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and "{" in route.path
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert served == set(HTTP_CALLS)


def http_answers(client: TestClient, user: Account, cid: str, other: str) -> list[Any]:
    responses = [call(client, user, cid, other) for call in HTTP_CALLS.values()]
    return [(response.status_code, response.json()) for response in responses]


def frame_answers(client: TestClient, user: Account, cid: str) -> list[Any]:
    answers = []
    with client.websocket_connect("/v1/ws", headers=user.auth) as socket:
        socket.receive_json()
        for kind, fields in FRAMES.items():
            socket.send_json({"type": kind, "id": kind, "conversation_id": cid, **fields})
            answers.append(socket.receive_json())
        socket.send_json({"type": "sync", "id": "sync", "cursors": {cid: 0}})
        answers.append(socket.receive_json())
    return answers


def test_a_stranger_gets_the_same_404_as_for_a_conversation_that_does_not_exist(
    client: TestClient,
) -> None:
    ann, ben, mallory = register(client), register(client), register(client)
    real = direct_conversation(client, ann, ben)
    missing = str(uuid.uuid4())
    answers = http_answers(client, mallory, real, ann.user_id)
    assert {status for status, _ in answers} == {404}
    assert answers == http_answers(client, mallory, missing, ann.user_id)
    assert {body["error"]["code"] for _, body in answers} == {"not_found"}


def test_a_stranger_gets_not_found_for_every_frame_and_an_empty_sync(client: TestClient) -> None:
    ann, ben, mallory = register(client), register(client), register(client)
    real = direct_conversation(client, ann, ben)
    answers = frame_answers(client, mallory, real)
    assert [(a["type"], a.get("code")) for a in answers] == [("error", "not_found")] * 4 + [
        ("synced", None)
    ]
    assert answers == frame_answers(client, mallory, str(uuid.uuid4()))


def test_a_removed_member_gets_404_and_not_found_everywhere(client: TestClient) -> None:
    ann, ben, cat = register(client), register(client), register(client)
    answer = client.post(
        "/v1/conversations",
        json={"kind": "group", "title": "crew", "member_ids": [ben.user_id, cat.user_id]},
        headers=ann.auth,
    )
    group = answer.json()["conversation_id"]
    wait_until(
        lambda: client.get(f"/v1/conversations/{group}", headers=ben.auth).status_code == 200
    )
    client.delete(f"/v1/conversations/{group}/members/{ben.user_id}", headers=ann.auth)
    wait_until(
        lambda: client.get(f"/v1/conversations/{group}", headers=ben.auth).status_code == 404
    )
    missing = str(uuid.uuid4())
    stranger = register(client)
    assert http_answers(client, ben, group, stranger.user_id) == http_answers(
        client, ben, missing, stranger.user_id
    )
    assert [a.get("code") for a in frame_answers(client, ben, group)][:4] == ["not_found"] * 4
