"""Push notifications on the real stack (edge, processor, projector and
notifier processes; Kafka, PostgreSQL, Redis), to a loopback Matrix push
gateway and a loopback Web Push service."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra.push.vapid import VapidKeys, generate_vapid_keys
from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack
from tests.support.push_gateway import LoopbackGateway
from tests.support.webpush_service import BlackHole, LoopbackPushService, new_subscription

Decision = dict[str, Any]


@pytest.fixture
def vapid() -> VapidKeys:
    return generate_vapid_keys()


@pytest.fixture
def gateway() -> Iterator[LoopbackGateway]:
    with LoopbackGateway().running() as running:
        yield running


@pytest.fixture
def webpush(vapid: VapidKeys) -> Iterator[LoopbackPushService]:
    with LoopbackPushService(vapid.public_key).running() as running:
        yield running


@pytest.fixture
def extra_env(gateway: LoopbackGateway, vapid: VapidKeys) -> dict[str, str]:
    return {
        "CHAT_PUSH_GATEWAY_URL": gateway.url,
        "CHAT_VAPID_PRIVATE_KEY": vapid.private_key,
        "CHAT_PUSH_ALLOW_LOOPBACK": "1",
        "CHAT_PUSH_RETRY_BASE_SECONDS": "0.2",
        "CHAT_PUSH_LEASE_SECONDS": "3",
        "CHAT_PUSH_TIMEOUT_SECONDS": "60",
    }


@pytest.fixture
def notifying(stack: Stack) -> Stack:
    stack.start("notifier")
    return stack


def wait_until(condition: Callable[[], Any], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return found


def phone(user: User, pushkey: str | None = None) -> str:
    body = {"kind": "gateway", "app_id": "org.example.chat", "pushkey": pushkey or user.user_id}
    answer = user.http.post("/v1/devices", json=body)
    assert answer.status_code == 201, answer.text
    device_id: str = answer.json()["device_id"]
    return device_id


def send(user: User, conversation_id: str, text: str) -> str:
    answer = user.http.post(
        f"/v1/conversations/{conversation_id}/messages", json={"client_msg_id": text, "body": text}
    )
    assert answer.status_code == 202, answer.text
    message_id: str = answer.json()["message_id"]
    return message_id


def decisions(user: User) -> list[Decision]:
    found: list[Decision] = user.http.get("/v1/notifications?limit=200").json()["decisions"]
    return found


def final_decision(user: User, message_id: str) -> Decision:
    def done() -> list[Decision]:
        return [
            d
            for d in decisions(user)
            if d["message_id"] == message_id and d["decision"] != "pending"
        ]

    found: list[Decision] = wait_until(done)
    assert len(found) == 1, found
    return found[0]


def pushed_to_both(
    gateway: LoopbackGateway, webpush: LoopbackPushService, message_id: str
) -> Callable[[], bool]:
    def pushed() -> bool:
        to_phone = any(n["event_id"] == message_id for n in gateway.notifications())
        return to_phone and any(r.payload["message_id"] == message_id for r in webpush.received)

    return pushed


def pair(stack: Stack) -> tuple[User, User, str]:
    ann, ben = (User(stack.base_url, unique_handle(name)) for name in ("ann", "ben"))
    return ann, ben, ann.start_direct(ben)


def test_an_offline_user_gets_exactly_one_push_per_message_on_each_device(
    notifying: Stack, gateway: LoopbackGateway, webpush: LoopbackPushService
) -> None:
    ann, ben, conversation = pair(notifying)
    phone(ben)
    browser = webpush.subscribe()
    assert (
        ben.http.post("/v1/devices", json={"kind": "webpush", **browser.as_json()}).status_code
        == 201
    )
    sent = []
    for number in range(3):
        message_id = send(ann, conversation, f"m{number}")
        sent.append(message_id)
        wait_until(pushed_to_both(gateway, webpush, message_id))
    assert [event_id for event_id, _ in gateway.delivered()] == sent
    assert len(gateway.notifications()) == 3 and gateway.problems == []
    assert [r.payload["message_id"] for r in webpush.received] == sent
    assert [r.payload["seq"] for r in webpush.received] == [1, 2, 3]
    assert webpush.problems == []


def test_an_online_user_gets_no_push(notifying: Stack, gateway: LoopbackGateway) -> None:
    ann, ben, conversation = pair(notifying)
    phone(ben)
    ben.socket(notifying.ws_url)
    wait_until(
        lambda: ann.http.get(f"/v1/users/{ben.user_id}/presence").json()["status"] == "online"
    )
    message_id = send(ann, conversation, "hi")
    decision = final_decision(ben, message_id)
    assert (decision["decision"], decision["reason"]) == ("skipped", "online")
    assert gateway.notifications() == []


def test_a_muted_conversation_gets_no_push(notifying: Stack, gateway: LoopbackGateway) -> None:
    ann, ben, conversation = pair(notifying)
    phone(ben)
    muted = ben.http.put(f"/v1/conversations/{conversation}/notifications", json={"muted": True})
    assert muted.status_code == 204
    decision = final_decision(ben, send(ann, conversation, "psst"))
    assert (decision["decision"], decision["reason"]) == ("skipped", "muted")
    assert gateway.notifications() == []


def test_a_burst_in_one_conversation_collapses_into_one_push(
    notifying: Stack, gateway: LoopbackGateway
) -> None:
    ann, ben, conversation = pair(notifying)
    phone(ben)
    gateway.hold()
    burst = [send(ann, conversation, f"b{number}") for number in range(5)]
    wait_until(lambda: gateway.arrived >= 1)
    wait_until(lambda: {d["message_id"] for d in decisions(ben)} == set(burst))
    gateway.release()
    last = final_decision(ben, burst[-1])
    assert last["decision"] == "sent"
    outcomes = {d["message_id"]: d["decision"] for d in decisions(ben)}
    assert set(outcomes.values()) <= {"sent", "collapsed"}
    assert list(outcomes.values()).count("collapsed") >= 3
    pushed = gateway.notifications()
    assert len(pushed) <= 2 and pushed[-1]["event_id"] == burst[-1]
    assert {n["event_id"] for n in pushed} == {m for m, d in outcomes.items() if d == "sent"}


def test_a_gateway_failing_twice_then_succeeding_delivers_exactly_once(
    notifying: Stack, gateway: LoopbackGateway
) -> None:
    ann, ben, conversation = pair(notifying)
    phone(ben)
    gateway.failures_left = 2
    message_id = send(ann, conversation, "third time lucky")
    assert final_decision(ben, message_id)["decision"] == "sent"
    assert [n["event_id"] for n in gateway.notifications()] == [message_id] * 3
    assert [event_id for event_id, _ in gateway.delivered()] == [message_id]


def test_a_pushkey_the_gateway_rejects_removes_the_device(
    notifying: Stack, gateway: LoopbackGateway
) -> None:
    ann, ben, conversation = pair(notifying)
    device_id = phone(ben, "stale-token")
    gateway.rejected.add("stale-token")
    decision = final_decision(ben, send(ann, conversation, "hello?"))
    assert (decision["decision"], decision["device_id"]) == ("rejected", device_id)
    assert ben.http.get("/v1/devices").json() == {"devices": []}


def test_a_notifier_killed_mid_burst_loses_no_push_and_sends_none_twice(
    notifying: Stack, gateway: LoopbackGateway
) -> None:
    ben = User(notifying.base_url, unique_handle("ben"))
    phone(ben, "ben-phone")
    senders = [User(notifying.base_url, unique_handle(f"s{n}")) for n in range(6)]
    conversations = [sender.start_direct(ben) for sender in senders]
    posted: list[tuple[str, str]] = []
    for number in range(36):
        if number == 12:
            wait_until(lambda: len(gateway.notifications()) >= 3)
            notifying.kill("notifier")
        if number == 24:
            notifying.start("notifier")
        index = number % len(senders)
        posted.append(
            (conversations[index], send(senders[index], conversations[index], f"n{number}"))
        )
    for _, message_id in posted:
        final_decision(ben, message_id)
    outcomes = {d["message_id"]: d["decision"] for d in decisions(ben)}
    assert sorted(outcomes) == sorted(m for _, m in posted)  # one decision per message
    sent = {m for m, d in outcomes.items() if d == "sent"}
    assert set(outcomes.values()) <= {"sent", "collapsed"}
    for conversation in conversations:  # the latest of each conversation was pushed
        assert [m for c, m in posted if c == conversation][-1] in sent
    delivered = {event_id for event_id, _ in gateway.delivered()}
    assert sent <= delivered
    assert delivered <= set(outcomes)  # every push is one of the messages, once after dedup
    assert len(gateway.delivered()) == len(delivered)


def test_a_push_service_that_never_answers_holds_up_no_one_else(
    notifying: Stack, gateway: LoopbackGateway
) -> None:
    with BlackHole().running() as dead:
        ann, ben, conversation = pair(notifying)
        cat = User(notifying.base_url, unique_handle("cat"))
        to_cat = ann.start_direct(cat)
        stuck = new_subscription(f"{dead.origin}/push/ben").as_json()
        assert ben.http.post("/v1/devices", json={"kind": "webpush", **stuck}).status_code == 201
        waiting = send(ann, conversation, "into the void")
        wait_until(lambda: dead.held >= 1)
        phone(cat)
        message_id = send(ann, to_cat, "meanwhile")
        assert final_decision(cat, message_id)["decision"] == "sent"
        assert [d["decision"] for d in decisions(ben) if d["message_id"] == waiting] == ["pending"]


def test_a_web_push_endpoint_that_is_gone_removes_the_device(
    notifying: Stack, webpush: LoopbackPushService
) -> None:
    ann, ben, conversation = pair(notifying)
    browser = webpush.subscribe()
    registered = ben.http.post("/v1/devices", json={"kind": "webpush", **browser.as_json()})
    webpush.gone.add(browser.endpoint.removeprefix(webpush.origin))
    decision = final_decision(ben, send(ann, conversation, "knock knock"))
    assert (decision["decision"], decision["device_id"]) == (
        "rejected",
        registered.json()["device_id"],
    )
    assert ben.http.get("/v1/devices").json() == {"devices": []}
