"""Devices, the VAPID key, mutes and the decision log over HTTP (embedded
stack): what is accepted, and clear 422s for what can never be delivered."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.edge_app import Account, direct_conversation, edge_client, register

P256DH = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("=")
AUTH = base64.urlsafe_b64encode(b"\x02" * 16).decode().rstrip("=")


def subscription(endpoint: str, p256dh: str = P256DH, auth: str = AUTH) -> dict[str, Any]:
    return {"kind": "webpush", "endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with edge_client(push_gateway_url="http://127.0.0.1:9") as running:
        yield running


@pytest.fixture(scope="module")
def loopback_client() -> Iterator[TestClient]:
    with edge_client(push_allow_loopback=True) as running:
        yield running


def register_device(client: TestClient, user: Account, body: dict[str, Any]) -> Any:
    return client.post("/v1/devices", json=body, headers=user.auth)


def test_a_browser_subscription_is_registered_once_with_one_id(client: TestClient) -> None:
    ann = register(client)
    body = subscription("https://fcm.googleapis.com/fcm/send/abc123")
    first, again = register_device(client, ann, body), register_device(client, ann, body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["device_id"] == again.json()["device_id"]
    listed = client.get("/v1/devices", headers=ann.auth).json()["devices"]
    assert [(d["device_id"], d["kind"], d["endpoint"]) for d in listed] == [
        (first.json()["device_id"], "webpush", body["endpoint"])
    ]
    assert "keys" not in listed[0]


def test_a_phone_is_registered_through_the_gateway_and_deleted(client: TestClient) -> None:
    ann = register(client)
    created = register_device(
        client, ann, {"kind": "gateway", "app_id": "org.example.chat", "pushkey": "tok"}
    )
    assert created.status_code == 201
    device_id = created.json()["device_id"]
    assert client.delete(f"/v1/devices/{device_id}", headers=ann.auth).status_code == 204
    assert client.get("/v1/devices", headers=ann.auth).json() == {"devices": []}
    assert client.delete(f"/v1/devices/{device_id}", headers=ann.auth).status_code == 404


def test_another_users_device_cannot_be_deleted(client: TestClient) -> None:
    ann, ben = register(client), register(client)
    body = {"kind": "gateway", "app_id": "org.example.chat", "pushkey": "mine"}
    device_id = register_device(client, ann, body).json()["device_id"]
    assert client.delete(f"/v1/devices/{device_id}", headers=ben.auth).status_code == 404
    assert len(client.get("/v1/devices", headers=ann.auth).json()["devices"]) == 1


BAD_REGISTRATIONS = {
    "no keys": {"kind": "webpush", "endpoint": "https://push.example.org/a"},
    "keys not strings": subscription("https://push.example.org/a", p256dh=1),  # type: ignore[arg-type]
    "unknown kind": {"kind": "carrier-pigeon"},
    "not a URL": subscription("push me"),
    "plain http": subscription("http://push.example.org/a"),
    "ftp": subscription("ftp://push.example.org/a"),
    "loopback address": subscription("https://127.0.0.1/a"),
    "loopback shorthand": subscription("https://127.1/a"),
    "loopback as an integer": subscription("https://2130706433/a"),
    "localhost": subscription("https://localhost/a"),
    "private address": subscription("https://10.0.0.7/a"),
    "link-local metadata": subscription("https://169.254.169.254/latest"),
    "private ipv6": subscription("https://[fd00::1]/a"),
    "mapped loopback": subscription("https://[::ffff:127.0.0.1]/a"),
    "a local name": subscription("https://printer.local/a"),
    "a bare name": subscription("https://intranet/a"),
    "a user in the URL": subscription("https://me@push.example.org/a"),
    "an endpoint too long": subscription("https://push.example.org/" + "a" * 3000),
    "p256dh too long": subscription("https://push.example.org/a", p256dh="A" * 500),
    "auth too long": subscription("https://push.example.org/a", auth="A" * 500),
    "p256dh not a point": subscription("https://push.example.org/a", p256dh=AUTH),
    "p256dh not base64": subscription("https://push.example.org/a", p256dh="*" * 87),
    "app_id too long": {"kind": "gateway", "app_id": "a" * 65, "pushkey": "k"},
    "pushkey too long": {"kind": "gateway", "app_id": "a", "pushkey": "k" * 513},
    "empty pushkey": {"kind": "gateway", "app_id": "a", "pushkey": ""},
}


@pytest.mark.parametrize("case", sorted(BAD_REGISTRATIONS))
def test_a_registration_that_cannot_be_delivered_is_a_clear_422(
    client: TestClient, case: str
) -> None:
    ann = register(client)
    answer = register_device(client, ann, BAD_REGISTRATIONS[case])
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "bad_request"
    assert answer.json()["error"]["message"]
    assert client.get("/v1/devices", headers=ann.auth).json() == {"devices": []}


def test_loopback_endpoints_are_accepted_only_when_the_setting_allows_them(
    loopback_client: TestClient,
) -> None:
    ann = register(loopback_client)
    answer = register_device(loopback_client, ann, subscription("http://127.0.0.1:8123/p/1"))
    assert answer.status_code == 201
    private = register_device(loopback_client, ann, subscription("https://10.0.0.7/a"))
    assert private.status_code == 422


def test_gateway_devices_need_a_configured_gateway(loopback_client: TestClient) -> None:
    ann = register(loopback_client)
    body = {"kind": "gateway", "app_id": "org.example.chat", "pushkey": "tok"}
    answer = register_device(loopback_client, ann, body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "bad_request")


def test_the_vapid_key_is_an_uncompressed_p256_point(client: TestClient) -> None:
    ann = register(client)
    key = client.get("/v1/push/vapid-public-key", headers=ann.auth).json()["key"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert (len(raw), raw[0]) == (65, 4)


def test_muting_is_per_member_and_404_for_a_stranger(client: TestClient) -> None:
    ann, ben, eve = register(client), register(client), register(client)
    conversation = direct_conversation(client, ann, ben)
    path = f"/v1/conversations/{conversation}/notifications"
    assert client.put(path, json={"muted": True}, headers=ann.auth).status_code == 204
    assert client.get(path, headers=ann.auth).json() == {"muted": True}
    assert client.get(path, headers=ben.auth).json() == {"muted": False}
    assert client.put(path, json={"muted": True}, headers=eve.auth).status_code == 404
    assert client.put(path, json={"muted": "yes"}, headers=ann.auth).status_code == 422


def test_the_decision_log_starts_empty_and_checks_its_limit(client: TestClient) -> None:
    ann = register(client)
    assert client.get("/v1/notifications", headers=ann.auth).json() == {"decisions": []}
    assert client.get("/v1/notifications?limit=0", headers=ann.auth).status_code == 400
    assert client.get("/v1/notifications").status_code == 401
