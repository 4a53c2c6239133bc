"""Helpers of the media tests on the embedded edge: groups, uploads, sends."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient

from tests.integration.edge_app import Account


def wait_until(condition: Any, what: str = "condition") -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met in time"
        time.sleep(0.01)


def group_of(client: TestClient, admin: Account, *members: Account) -> str:
    answer = client.post(
        "/v1/conversations",
        json={"kind": "group", "title": "media", "member_ids": [m.user_id for m in members]},
        headers=admin.auth,
    )
    assert answer.status_code in (201, 202), answer.text
    group: str = answer.json()["conversation_id"]
    for member in (admin, *members):
        wait_until(
            lambda m=member: (
                client.get(f"/v1/conversations/{group}", headers=m.auth).status_code == 200
            ),
            "membership",
        )
    return group


def upload(client: TestClient, user: Account, data: bytes, content_type: str) -> Any:
    return client.post(
        "/v1/media", content=data, headers={**user.auth, "Content-Type": content_type}
    )


def uploaded(client: TestClient, user: Account, data: bytes, content_type: str) -> dict[str, Any]:
    answer = upload(client, user, data, content_type)
    assert answer.status_code == 201, answer.text
    media: dict[str, Any] = answer.json()
    return media


def send_with(
    client: TestClient, user: Account, group: str, media_ids: list[str], body: str = ""
) -> Any:
    return client.post(
        f"/v1/conversations/{group}/messages",
        json={
            "client_msg_id": f"m-{'-'.join(media_ids)[:60]}-{time.monotonic_ns()}",
            "body": body,
            "attachments": [{"media_id": m} for m in media_ids],
        },
        headers=user.auth,
    )


def messages(client: TestClient, user: Account, group: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/conversations/{group}/messages", headers=user.auth)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["messages"]
    return found


def posted(client: TestClient, user: Account, group: str, count: int) -> list[dict[str, Any]]:
    wait_until(lambda: len(messages(client, user, group)) >= count, "messages")
    return messages(client, user, group)
