"""``GET /v1/edge`` on the embedded stack: the one edge registered itself."""

from __future__ import annotations

from tests.integration.edge_app import edge_client, register


def test_the_edge_answers_itself_with_its_public_socket_url() -> None:
    url = "wss://chat.example.org/v1/ws"
    with edge_client(edge_id="edge-one", edge_public_ws_url=url) as client:
        user = register(client)
        answer = client.get("/v1/edge", headers=user.auth)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ws_url": url, "edge_id": "edge-one"}


def test_the_default_socket_url_is_made_of_the_host_and_port() -> None:
    with edge_client(host="10.1.2.3", port=8123) as client:
        user = register(client)
        answer = client.get("/v1/edge", headers=user.auth)
    assert answer.json()["ws_url"] == "ws://10.1.2.3:8123/v1/ws"


def test_discovery_without_a_token_gets_401() -> None:
    with edge_client() as client:
        answer = client.get("/v1/edge")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
