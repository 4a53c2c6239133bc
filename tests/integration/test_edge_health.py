"""/healthz, /readyz and /metrics on the edge's own port (embedded stack)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.edge_app import direct_conversation, edge_client, register


def test_the_edge_is_alive_and_ready_with_json_answers() -> None:
    with edge_client() as client:
        alive = client.get("/healthz")
        ready = client.get("/readyz")
    assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_metrics_count_the_sends_and_the_open_sockets_in_the_prometheus_format() -> None:
    with edge_client() as client:
        ann, ben = register(client), register(client)
        chat = direct_conversation(client, ann, ben)
        before = sends_sent(client.get("/metrics").text)
        with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
            socket.receive_json()
            body = {"type": "send", "id": 1, "conversation_id": chat}
            socket.send_json({**body, "client_msg_id": "m1", "body": "hi"})
            while socket.receive_json().get("id") != 1:
                pass
            scrape = client.get("/metrics")
    assert scrape.headers["content-type"].startswith("text/plain")
    assert sends_sent(scrape.text) == before + 1
    assert sample(scrape.text, "chat_sockets_open") >= 1


def sends_sent(text: str) -> float:
    return sample(text, "chat_sends_total", {"outcome": "sent"}, default=0.0)


def sample(
    text: str, name: str, labels: dict[str, str] | None = None, default: float | None = None
) -> float:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == (labels or {}):
                return float(found.value)
    if default is None:
        raise AssertionError(f"no sample {name} {labels}")
    return default
