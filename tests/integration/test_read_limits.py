"""HTTP reads and receipt frames are rate-limited per user, like sends."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.integration.edge_app import Account, direct_conversation, edge_client, register


def read_paths(chat: str, peer: Account) -> list[str]:
    return [
        "/v1/conversations",
        f"/v1/conversations/{chat}",
        f"/v1/conversations/{chat}/messages",
        f"/v1/conversations/{chat}/receipts",
        f"/v1/users/{peer.user_id}/presence",
    ]


def test_each_kind_of_read_over_the_bucket_gets_429_with_retry_after() -> None:
    with edge_client(read_burst=1000, read_rate_per_second=0.001) as client:
        ann, ben = register(client), register(client)
        chat = direct_conversation(client, ann, ben)  # spends some of ann's reads
        for path in read_paths(chat, ben):
            refused = spend_reads(client, ann, path)
            assert refused.json()["error"]["code"] == "rate_limited"
            assert int(refused.headers["Retry-After"]) >= 1


def test_one_users_reads_do_not_slow_another() -> None:
    with edge_client(read_burst=5, read_rate_per_second=0.001) as client:
        ann, ben = register(client), register(client)
        chat = direct_conversation(client, ann, ben)
        spend_reads(client, ann, "/v1/conversations")
        assert client.get(f"/v1/conversations/{chat}", headers=ben.auth).status_code == 200


def spend_reads(client: TestClient, user: Account, path: str) -> Any:
    """Reads ``path`` until refused (at most 1001 times); returns the refusal."""
    for _ in range(1001):
        answer = client.get(path, headers=user.auth)
        if answer.status_code == 429:
            return answer
        assert answer.status_code == 200, answer.text
    raise AssertionError(f"{path} was never rate-limited")


def test_receipt_frames_over_the_bucket_get_a_rate_limited_error_frame() -> None:
    with edge_client(receipt_burst=2, receipt_rate_per_second=0.001) as client:
        ann, ben = register(client), register(client)
        chat = direct_conversation(client, ann, ben)
        with client.websocket_connect("/v1/ws", headers=ann.auth) as socket:
            socket.receive_json()
            answers = []
            for number, kind in enumerate(["delivered", "read", "read"]):
                socket.send_json(
                    {"type": kind, "id": number, "conversation_id": chat, "up_to_seq": 0}
                )
                reply = socket.receive_json()
                while reply.get("id") != number:  # pushes come too
                    reply = socket.receive_json()
                answers.append(reply)
    assert [a["type"] for a in answers] == ["ok", "ok", "error"]
    assert answers[2]["code"] == "rate_limited"
    assert answers[2]["retry_after_ms"] > 0
