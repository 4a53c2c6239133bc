"""``GET /v1/search`` on the embedded stack: the answer's shape, members
only, bad queries refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.edge_app import Account, direct_conversation, edge_client, register


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client() as c:
        yield c


def post(client: TestClient, user: Account, chat: str, body: str) -> None:
    sent = client.post(
        f"/v1/conversations/{chat}/messages",
        json={"client_msg_id": body, "body": body},
        headers=user.auth,
    )
    assert sent.status_code == 202, sent.text


def search(client: TestClient, user: Account, query: str) -> dict[str, Any]:
    found = client.get("/v1/search", params={"q": query}, headers=user.auth)
    assert found.status_code == 200, found.text
    answer: dict[str, Any] = found.json()
    return answer


def test_a_member_finds_a_message_with_the_word_marked(client: TestClient) -> None:
    ann, bob = register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    post(client, ann, chat, "meet at the harbour")
    deadline = time.monotonic() + 10
    while not (answer := search(client, bob, "harbour"))["results"]:
        assert time.monotonic() < deadline, "the message never became searchable"
        time.sleep(0.01)
    [result] = answer["results"]
    assert result["message"]["body"] == "meet at the harbour"
    assert [p["text"] for p in result["highlight"] if p["match"]] == ["harbour"]
    assert answer["next"] is None


def test_a_stranger_finds_nothing(client: TestClient) -> None:
    ann, bob, eve = register(client), register(client), register(client)
    chat = direct_conversation(client, ann, bob)
    post(client, ann, chat, "private matter")
    deadline = time.monotonic() + 10
    while not search(client, bob, "private")["results"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert search(client, eve, "private")["results"] == []


@pytest.mark.parametrize("query", ["", "   ", "!!!", "x" * 201])
def test_a_query_without_words_or_too_long_is_a_bad_request(client: TestClient, query: str) -> None:
    user = register(client)
    found = client.get("/v1/search", params={"q": query}, headers=user.auth)
    assert found.status_code == 400
    assert found.json()["error"]["code"] == "bad_request"


def test_search_needs_a_token(client: TestClient) -> None:
    assert client.get("/v1/search", params={"q": "x"}).status_code == 401
