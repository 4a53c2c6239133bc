"""The Matrix push gateway client against a loopback gateway that checks
every request against the Push Gateway API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from commands.devices import Device
from infra.push.gateway import GatewayTransport
from projections.delivery_ports import Delivery, GatewayRequest, PushAnswer
from projections.push_payloads import gateway_body
from tests.support.push_gateway import LoopbackGateway, schema_problems


@pytest.fixture
def gateway() -> Iterator[LoopbackGateway]:
    with LoopbackGateway().running() as running:
        yield running


def delivery(title: str | None = None, body: str | None = None) -> Delivery:
    device = Device(
        "d1", "u1", "gateway", "a|k", datetime.now(UTC), app_id="org.example.chat", pushkey="k"
    )
    return Delivery("u1", 1, device, "conv-1", 2**62 + 7, 3, "u2", title, body, 1, 0, "gateway")


def send(gateway: LoopbackGateway, request: GatewayRequest, timeout: float = 5) -> PushAnswer:
    async def run() -> PushAnswer:
        transport = GatewayTransport(gateway.url, timeout)
        try:
            return await transport.send(request)
        finally:
            await transport.close()

    return asyncio.run(run())


def test_the_request_is_exactly_the_protocols_and_passes_the_gateway_schema(
    gateway: LoopbackGateway,
) -> None:
    answer = send(gateway, GatewayRequest(gateway_body(delivery(), unread=4), "k"))
    assert answer.status == 200 and gateway.problems == []
    assert gateway.notifications() == [
        {
            "event_id": str(2**62 + 7),
            "room_id": "conv-1",
            "type": "m.room.message",
            "sender": "u2",
            "prio": "high",
            "counts": {"unread": 4},
            "devices": [{"app_id": "org.example.chat", "pushkey": "k"}],
        }
    ]


def test_a_group_title_and_an_included_body_use_the_apis_own_fields(
    gateway: LoopbackGateway,
) -> None:
    body = gateway_body(delivery(title="Team", body="hi"), unread=1)
    send(gateway, GatewayRequest(body, "k"))
    (note,) = gateway.notifications()
    assert (note["room_name"], note["content"]) == ("Team", {"msgtype": "m.text", "body": "hi"})


def test_the_gateway_schema_check_catches_what_the_api_forbids() -> None:
    assert schema_problems({"notification": {"devices": []}})
    assert schema_problems({"notification": {"prio": "urgent", "devices": [{"app_id": "a"}]}})
    assert not schema_problems({"notification": {"devices": [{"app_id": "a", "pushkey": "k"}]}})


def test_a_slow_gateway_is_a_timeout_not_a_hang(gateway: LoopbackGateway) -> None:
    gateway.hold()
    answer = send(gateway, GatewayRequest(gateway_body(delivery(), 1), "k"), timeout=0.5)
    assert (answer.status, answer.error) == (None, "timeout")
