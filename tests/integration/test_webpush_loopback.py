"""Web Push on loopback: a push service in the test checks the VAPID JWT
against the server's public key and decrypts the payload with the private
key of a subscription the test made; what it reads is what was meant."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from commands.devices import Device
from infra.push.vapid import VapidKeys, generate_vapid_keys
from infra.push.webpush import WebPushTransport
from projections.delivery_ports import Delivery, PushAnswer, WebPushRequest
from projections.push_payloads import topic, webpush_payload
from tests.support.webpush_service import LoopbackPushService


@pytest.fixture
def keys() -> VapidKeys:
    return generate_vapid_keys()


@pytest.fixture
def service(keys: VapidKeys) -> Iterator[LoopbackPushService]:
    with LoopbackPushService(keys.public_key).running() as running:
        yield running


def push(keys: VapidKeys, request: WebPushRequest, allow_loopback: bool = True) -> PushAnswer:
    async def send() -> PushAnswer:
        transport = WebPushTransport(keys, "mailto:ops@example.org", 5, allow_loopback)
        try:
            return await transport.send(request)
        finally:
            await transport.close()

    return asyncio.run(send())


def delivery_to(endpoint: str) -> Delivery:
    device = Device("d1", "u1", "webpush", endpoint, datetime.now(UTC), endpoint=endpoint)
    return Delivery("u1", 7, device, "conv-1", 2**62 + 5, 12, "u2", "Team", None, 5, 0, "x")


def request_for(service: LoopbackPushService, delivery: Delivery) -> WebPushRequest:
    subscription = service.subscribe().as_json()
    return WebPushRequest(
        subscription["endpoint"],
        subscription["keys"]["p256dh"],
        subscription["keys"]["auth"],
        webpush_payload(delivery, unread=9),
        topic(delivery.conversation_id),
        ttl=3600,
    )


def test_the_push_service_decrypts_exactly_the_payload_that_was_meant(
    keys: VapidKeys, service: LoopbackPushService
) -> None:
    delivery = delivery_to("")
    answer = push(keys, request_for(service, delivery))
    assert answer.status == 201 and service.problems == []
    assert [r.payload for r in service.received] == [
        {
            "type": "message",
            "conversation_id": "conv-1",
            "message_id": str(2**62 + 5),
            "seq": 12,
            "sender_id": "u2",
            "title": "Team",
            "count": 5,
            "unread": 9,
            "summary": "5 new messages in Team",
        }
    ]


def test_the_vapid_jwt_names_the_push_service_and_the_subject(
    keys: VapidKeys, service: LoopbackPushService
) -> None:
    push(keys, request_for(service, delivery_to("")))
    (received,) = service.received
    assert received.claims["aud"] == service.origin
    assert received.claims["sub"] == "mailto:ops@example.org"


def test_each_push_carries_ttl_urgency_and_the_conversations_topic(
    keys: VapidKeys, service: LoopbackPushService
) -> None:
    push(keys, request_for(service, delivery_to("")))
    (received,) = service.received
    assert received.headers["ttl"] == "3600"
    assert received.headers["urgency"] == "high"
    assert received.headers["topic"] == topic("conv-1")
    assert len(topic("conv-1")) == 32


def test_no_message_body_is_in_the_payload_unless_configured(
    keys: VapidKeys, service: LoopbackPushService
) -> None:
    push(keys, request_for(service, delivery_to("")))
    assert "body" not in service.received[0].payload


def test_a_push_service_signed_with_another_key_is_refused_by_the_receiver(
    service: LoopbackPushService,
) -> None:
    answer = push(generate_vapid_keys(), request_for(service, delivery_to("")))
    assert answer.status == 400 and service.problems and not service.received


def test_loopback_endpoints_are_refused_when_connecting_unless_allowed(
    keys: VapidKeys, service: LoopbackPushService
) -> None:
    answer = push(keys, request_for(service, delivery_to("")), allow_loopback=False)
    assert answer.status == 400 and "not allowed" in answer.error
    assert service.received == []


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(
    keys: VapidKeys, service: LoopbackPushService
) -> None:
    request = request_for(service, delivery_to(""))
    by_name = request.endpoint.replace("127.0.0.1", "localhost")
    answer = push(keys, WebPushRequest(by_name, request.p256dh, request.auth, b"x", "t", 60), False)
    assert answer.status is None and service.received == []
