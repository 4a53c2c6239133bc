"""The whole notification path in embedded mode (one process, in memory):
message -> notifier -> delivery -> a loopback Matrix push gateway."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.edge_app import Account, direct_conversation, edge_client, register
from tests.support.push_gateway import LoopbackGateway


@pytest.fixture(scope="module")
def gateway() -> Iterator[LoopbackGateway]:
    with LoopbackGateway().running() as running:
        yield running


@pytest.fixture(scope="module")
def client(gateway: LoopbackGateway) -> Iterator[TestClient]:
    with edge_client(push_gateway_url=gateway.url) as running:
        yield running


def wait_until(condition: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return found


def phone(client: TestClient, user: Account, pushkey: str) -> str:
    body = {"kind": "gateway", "app_id": "org.example.chat", "pushkey": pushkey}
    answer = client.post("/v1/devices", json=body, headers=user.auth)
    assert answer.status_code == 201
    device_id: str = answer.json()["device_id"]
    return device_id


def send(client: TestClient, user: Account, conversation_id: str, text: str) -> str:
    answer = client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"client_msg_id": text, "body": text},
        headers=user.auth,
    )
    assert answer.status_code == 202, answer.text
    message_id: str = answer.json()["message_id"]
    return message_id


def decisions_for(client: TestClient, user: Account, message_id: str) -> list[dict[str, Any]]:
    found = client.get("/v1/notifications", headers=user.auth).json()["decisions"]
    return [d for d in found if d["message_id"] == message_id]


def test_an_offline_member_is_notified_through_the_gateway(
    client: TestClient, gateway: LoopbackGateway
) -> None:
    ann, ben = register(client), register(client)
    conversation = direct_conversation(client, ann, ben)
    device = phone(client, ben, f"key-{ben.user_id}")
    message_id = send(client, ann, conversation, "hello")
    gateway.wait_for(lambda g: any(n["event_id"] == message_id for n in g.notifications()))
    (note,) = [n for n in gateway.notifications() if n["event_id"] == message_id]
    assert (note["room_id"], note["sender"], note["counts"]) == (
        conversation,
        ann.user_id,
        {"unread": 1},
    )
    assert "content" not in note and gateway.problems == []
    sent = wait_until(
        lambda: [d for d in decisions_for(client, ben, message_id) if d["decision"] == "sent"]
    )
    assert [(d["device_id"], d["seq"]) for d in sent] == [(device, 1)]
    assert client.get("/v1/notifications", headers=ann.auth).json() == {"decisions": []}


def test_an_online_member_is_not_notified_and_is_told_why(
    client: TestClient, gateway: LoopbackGateway
) -> None:
    ann, ben = register(client), register(client)
    conversation = direct_conversation(client, ann, ben)
    phone(client, ben, f"key-{ben.user_id}")
    with client.websocket_connect("/v1/ws", headers=ben.auth) as socket:
        socket.receive_json()
        wait_until(
            lambda: (
                client.get(f"/v1/users/{ben.user_id}/presence", headers=ann.auth).json()["status"]
                == "online"
            )
        )
        message_id = send(client, ann, conversation, "are you there")
        (decision,) = wait_until(lambda: decisions_for(client, ben, message_id))
    assert (decision["decision"], decision["reason"]) == ("skipped", "online")
    assert all(n["event_id"] != message_id for n in gateway.notifications())


def test_a_member_without_devices_is_skipped_with_no_device(client: TestClient) -> None:
    ann, ben = register(client), register(client)
    conversation = direct_conversation(client, ann, ben)
    message_id = send(client, ann, conversation, "anyone")
    (decision,) = wait_until(lambda: decisions_for(client, ben, message_id))
    assert (decision["decision"], decision["reason"], decision["device_id"]) == (
        "skipped",
        "no_device",
        None,
    )


def test_the_body_is_pushed_only_when_the_server_is_configured_to() -> None:
    with (
        LoopbackGateway().running() as gateway,
        edge_client(push_gateway_url=gateway.url, push_include_body=True) as client,
    ):
        ann, ben = register(client), register(client)
        conversation = direct_conversation(client, ann, ben)
        phone(client, ben, "with-body")
        message_id = send(client, ann, conversation, "the secret plans")
        gateway.wait_for(lambda g: any(n["event_id"] == message_id for n in g.notifications()))
    (note,) = gateway.notifications()
    assert note["content"] == {"msgtype": "m.text", "body": "the secret plans"}


def test_group_members_added_later_are_notified_and_removed_ones_no_longer(
    client: TestClient, gateway: LoopbackGateway
) -> None:
    ann, ben, cat = register(client), register(client), register(client)
    created = client.post(
        "/v1/conversations",
        json={"kind": "group", "title": "Team", "member_ids": [ben.user_id]},
        headers=ann.auth,
    )
    group = created.json()["conversation_id"]
    wait_until(
        lambda: client.get(f"/v1/conversations/{group}", headers=ben.auth).status_code == 200
    )
    phone(client, ben, f"key-{ben.user_id}")
    phone(client, cat, f"key-{cat.user_id}")
    client.post(
        f"/v1/conversations/{group}/members", json={"user_ids": [cat.user_id]}, headers=ann.auth
    )
    client.delete(f"/v1/conversations/{group}/members/{ben.user_id}", headers=ann.auth)
    wait_until(
        lambda: client.get(f"/v1/conversations/{group}", headers=cat.auth).status_code == 200
    )
    wait_until(
        lambda: client.get(f"/v1/conversations/{group}", headers=ben.auth).status_code == 404
    )
    message_id = send(client, ann, group, "welcome cat")
    gateway.wait_for(lambda g: any(n["event_id"] == message_id for n in g.notifications()))
    (note,) = [n for n in gateway.notifications() if n["event_id"] == message_id]
    assert (note["room_name"], note["devices"][0]["pushkey"]) == ("Team", f"key-{cat.user_id}")
    assert decisions_for(client, ben, message_id) == []
