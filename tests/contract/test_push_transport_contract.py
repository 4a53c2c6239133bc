"""The push transports: the in-memory push service and the real clients
(Web Push with pywebpush, the Matrix push gateway) against loopback
services answer alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from infra.memory.push import InMemoryPushService
from infra.push.gateway import GatewayTransport
from infra.push.vapid import generate_vapid_keys
from infra.push.webpush import WebPushTransport
from projections.delivery_ports import (
    GatewayRequest,
    PushAnswer,
    PushRequest,
    PushTransport,
    WebPushRequest,
)
from tests.support.push_gateway import LoopbackGateway
from tests.support.webpush_service import LoopbackPushService


@dataclass
class Services:
    webpush: PushTransport
    gateway: PushTransport
    new_endpoint: Callable[[], tuple[str, str, str]]
    forget_endpoint: Callable[[str], None]
    reject_pushkey: Callable[[str], None]
    fail_next: Callable[[int], None]

    def send(self, request: PushRequest) -> PushAnswer:
        transport = self.webpush if isinstance(request, WebPushRequest) else self.gateway
        return asyncio.run(transport.send(request))


def _memory() -> Iterator[Services]:
    service = InMemoryPushService()
    yield Services(
        webpush=service,
        gateway=service,
        new_endpoint=lambda: ("https://push.example.org/abc", "BA" + "A" * 85, "A" * 22),
        forget_endpoint=service.forget,
        reject_pushkey=service.forget,
        fail_next=lambda n: service.answer_next(*[PushAnswer(503)] * n),
    )


def _real() -> Iterator[Services]:
    keys = generate_vapid_keys()
    with ExitStack() as running:
        webpush = running.enter_context(LoopbackPushService(keys.public_key).running())
        gateway = running.enter_context(LoopbackGateway().running())

        def new_endpoint() -> tuple[str, str, str]:
            made = webpush.subscribe().as_json()
            return made["endpoint"], made["keys"]["p256dh"], made["keys"]["auth"]

        def fail_next(count: int) -> None:
            gateway.failures_left = count

        def forget(endpoint: str) -> None:
            webpush.gone.add(endpoint.removeprefix(webpush.origin))

        # A fresh transport per call: asyncio.run gives each its own loop.
        class FreshWebPush:
            async def send(self, request: PushRequest) -> PushAnswer:
                client = WebPushTransport(keys, "mailto:ops@example.org", 5, allow_loopback=True)
                try:
                    return await client.send(request)
                finally:
                    await client.close()

        class FreshGateway:
            async def send(self, request: PushRequest) -> PushAnswer:
                client = GatewayTransport(gateway.url, 5)
                try:
                    return await client.send(request)
                finally:
                    await client.close()

        yield Services(
            FreshWebPush(), FreshGateway(), new_endpoint, forget, gateway.rejected.add, fail_next
        )


@pytest.fixture(params=["memory", "real"])
def services(request: pytest.FixtureRequest) -> Iterator[Services]:
    yield from (_memory() if request.param == "memory" else _real())


def webpush_request(endpoint: str, p256dh: str, auth: str) -> WebPushRequest:
    return WebPushRequest(endpoint, p256dh, auth, b'{"type":"message"}', "t" * 32, 60)


def gateway_request(pushkey: str) -> GatewayRequest:
    body = {
        "notification": {
            "event_id": "1",
            "room_id": "c",
            "type": "m.room.message",
            "sender": "s",
            "prio": "high",
            "counts": {"unread": 1},
            "devices": [{"app_id": "org.example.chat", "pushkey": pushkey}],
        }
    }
    return GatewayRequest(body, pushkey)


def test_a_push_to_a_live_subscription_is_accepted_with_201(services: Services) -> None:
    answer = services.send(webpush_request(*services.new_endpoint()))
    assert (answer.status, answer.device_gone) == (201, False)


def test_a_push_to_a_forgotten_subscription_says_the_device_is_gone(services: Services) -> None:
    endpoint, p256dh, auth = services.new_endpoint()
    services.forget_endpoint(endpoint)
    answer = services.send(webpush_request(endpoint, p256dh, auth))
    assert (answer.status, answer.device_gone) == (410, True)


def test_the_gateway_accepts_a_notification_with_200(services: Services) -> None:
    answer = services.send(gateway_request("key-1"))
    assert (answer.status, answer.device_gone) == (200, False)


def test_a_pushkey_the_gateway_rejects_says_the_device_is_gone(services: Services) -> None:
    services.reject_pushkey("key-2")
    answer = services.send(gateway_request("key-2"))
    assert (answer.status, answer.device_gone) == (200, True)


def test_a_gateway_error_is_an_answer_with_its_status(services: Services) -> None:
    services.fail_next(1)
    first, second = services.send(gateway_request("k")), services.send(gateway_request("k"))
    assert (first.status, first.device_gone, second.status) == (503, False, 200)
