"""The HTTP API's answers, on the embedded stack."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.integration.edge_app import direct_conversation, edge_client, register


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client() as running:
        yield running


def test_a_taken_handle_gets_409(client: TestClient) -> None:
    user = register(client)
    again = client.post("/v1/users", json={"handle": user.handle, "password": "long enough"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    "body",
    [
        {"handle": "ab", "password": "long enough"},
        {"handle": "UPPER", "password": "long enough"},
        {"handle": "fine_handle", "password": "short"},
        {"handle": 5, "password": "long enough"},
    ],
)
def test_an_invalid_registration_gets_422(client: TestClient, body: dict[str, object]) -> None:
    answer = client.post("/v1/users", json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "bad_request"


def test_a_body_that_is_not_json_gets_400(client: TestClient) -> None:
    answer = client.post("/v1/users", content=b"{not json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"


def test_a_wrong_password_gets_401(client: TestClient) -> None:
    user = register(client)
    answer = client.post("/v1/sessions", json={"handle": user.handle, "password": "wrong one!"})
    assert answer.status_code == 401


def test_a_call_without_a_token_gets_401(client: TestClient) -> None:
    answer = client.get("/v1/conversations")
    assert answer.status_code == 401
    assert answer.json() == {
        "error": {"code": "unauthorized", "message": "a valid bearer token is needed"}
    }


def test_a_logged_out_token_stops_working(client: TestClient) -> None:
    user = register(client)
    assert client.delete("/v1/sessions/current", headers=user.auth).status_code == 204
    assert client.get("/v1/conversations", headers=user.auth).status_code == 401


def test_a_user_is_found_by_handle(client: TestClient) -> None:
    user, other = register(client), register(client)
    answer = client.get("/v1/users", params={"handle": other.handle}, headers=user.auth)
    assert answer.json()["user_id"] == other.user_id


def test_a_contact_reads_a_users_handle_and_display_name_by_id(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    direct_conversation(client, alice, bob)
    answer = client.get(f"/v1/users/{bob.user_id}", headers=alice.auth)
    assert answer.json() == {
        "user_id": bob.user_id,
        "handle": bob.handle,
        "display_name": bob.handle,
    }


def test_a_user_reads_its_own_profile_by_id(client: TestClient) -> None:
    alice = register(client)
    answer = client.get(f"/v1/users/{alice.user_id}", headers=alice.auth)
    assert answer.json()["handle"] == alice.handle


def test_a_strangers_profile_is_404_like_an_unknown_user(client: TestClient) -> None:
    alice, eve = register(client), register(client)
    stranger = client.get(f"/v1/users/{eve.user_id}", headers=alice.auth)
    unknown = client.get("/v1/users/nobody", headers=alice.auth)
    assert stranger.status_code == unknown.status_code == 404
    assert stranger.json() == unknown.json()


def test_a_direct_conversation_with_an_unknown_user_gets_404(client: TestClient) -> None:
    user = register(client)
    answer = client.post(
        "/v1/conversations", json={"kind": "direct", "peer_id": "nobody"}, headers=user.auth
    )
    assert answer.status_code == 404


def test_the_same_pair_always_gets_the_same_direct_conversation(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    first = direct_conversation(client, alice, bob)
    second = direct_conversation(client, bob, alice)
    assert first == second


def test_a_non_member_gets_404_on_every_conversation_route(client: TestClient) -> None:
    alice, bob, mallory = register(client), register(client), register(client)
    conversation_id = direct_conversation(client, alice, bob)
    base = f"/v1/conversations/{conversation_id}"
    answers = [
        client.get(base, headers=mallory.auth),
        client.get(f"{base}/messages", headers=mallory.auth),
        client.post(
            f"{base}/messages", json={"client_msg_id": "x", "body": "hi"}, headers=mallory.auth
        ),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    missing = client.get("/v1/conversations/does-not-exist", headers=mallory.auth)
    assert missing.json() == answers[0].json()


def test_an_http_send_appears_in_history_and_a_resend_keeps_its_id(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    conversation_id = direct_conversation(client, alice, bob)
    path = f"/v1/conversations/{conversation_id}/messages"
    body = {"client_msg_id": "once", "body": "hello"}
    first = client.post(path, json=body, headers=alice.auth)
    again = client.post(path, json=body, headers=alice.auth)
    assert first.status_code == again.status_code == 202
    assert first.json()["message_id"] == again.json()["message_id"]
    # The resend is on the log too; a later message shows it was decided.
    client.post(path, json={"client_msg_id": "later", "body": "after"}, headers=alice.auth)
    deadline = time.monotonic() + 10
    while len(client.get(path, headers=bob.auth).json()["messages"]) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    history = client.get(path, headers=bob.auth).json()
    assert [(m["seq"], m["body"]) for m in history["messages"]] == [(1, "hello"), (2, "after")]


def test_a_body_over_16_kib_gets_413(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    conversation_id = direct_conversation(client, alice, bob)
    answer = client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"client_msg_id": "big", "body": "x" * (16 * 1024 + 1)},
        headers=alice.auth,
    )
    assert answer.status_code == 413


def test_an_unknown_route_gets_a_404_error_object(client: TestClient) -> None:
    answer = client.get("/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_the_openapi_document_lists_every_route_and_method(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    served = {
        (route.path, method.lower())
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/v1/")
        for method in route.methods or ()
        if method != "HEAD" or route.methods == {"HEAD"}  # not the HEAD every GET has
    }
    documented = {(path, method) for path, operations in paths.items() for method in operations}
    assert served == documented


def test_every_documented_operation_lists_its_error_statuses(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert statuses & {"400", "401", "404", "422"}, (path, method)
