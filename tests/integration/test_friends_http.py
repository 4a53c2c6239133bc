"""Friends over HTTP on the embedded stack: the per-user request limit, the
directory's route and query rules, and /openapi.json."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.integration.edge_app import edge_client, register


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client(friend_requests_per_hour=2) as running:
        yield running


def test_friend_requests_over_the_users_bucket_get_429_with_retry_after(
    client: TestClient,
) -> None:
    ann, ben, cat, dan = (register(client) for _ in range(4))
    for other in (ben, cat):
        answer = client.post(
            "/v1/friends/requests", json={"user_id": other.user_id}, headers=ann.auth
        )
        assert answer.status_code == 202
    refused = client.post("/v1/friends/requests", json={"user_id": dan.user_id}, headers=ann.auth)
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1
    other_user = client.post(
        "/v1/friends/requests", json={"user_id": dan.user_id}, headers=ben.auth
    )
    assert other_user.status_code == 202


def test_the_search_route_is_not_taken_for_a_user_id(client: TestClient) -> None:
    ann = register(client)
    answer = client.get("/v1/users/search", headers=ann.auth)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "bad_request")


def test_search_ignores_case_and_finds_nobody_for_characters_no_handle_has(
    client: TestClient,
) -> None:
    ann, ben = register(client, "seeker"), register(client, "findme")
    found = client.get("/v1/users/search", params={"q": "FINDME_"}, headers=ann.auth).json()
    assert [u["user_id"] for u in found["users"]] == [ben.user_id]
    for odd in ("fi%", "f*", "fí"):
        answer = client.get("/v1/users/search", params={"q": odd}, headers=ann.auth)
        assert (answer.status_code, answer.json()) == (200, {"users": []})


def test_the_friends_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/friends",
        "/v1/friends/requests",
        "/v1/friends/requests/{user_id}/accept",
        "/v1/friends/requests/{user_id}",
        "/v1/friends/{user_id}",
        "/v1/friends/suggestions",
        "/v1/blocks",
        "/v1/blocks/{user_id}",
        "/v1/users/search",
    ):
        assert path in paths
