"""Web Push in the page: "Allow notifications" registers the service worker
and asks the browser's push service for a subscription with the server's
VAPID key; the worker shows a notification for a push with the page closed.

What is real: the page, the worker, the edge, the notifier, which encrypts
(RFC 8291) and sends (VAPID) to a loopback push service that decrypts. What
is not: headless Chromium here reaches no push service (FCM), so its
``subscribe`` never answers; the test registers the loopback service's
subscription as the person's device, and hands the decrypted payload to the
worker with the DevTools protocol (``ServiceWorker.deliverPushMessage``), as
the browser does with what its push service delivers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, CDPSession, Playwright, expect

from infra.push.vapid import VapidKeys
from tests.browser.chromium import launch_with_profile
from tests.browser.conftest import People
from tests.browser.person import Person
from tests.e2e.processes import Stack
from tests.support.webpush_service import LoopbackPushService

DEADLINE_SECONDS = 60.0


def wait_until(condition: Callable[[], Any], timeout: float = DEADLINE_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
    return found


@pytest.fixture
def profile(driver: Playwright, web_stack: Stack, tmp_path: Path) -> Iterator[BrowserContext]:
    context = launch_with_profile(driver, tmp_path / "profile", web_stack.base_url)
    context.grant_permissions(["notifications"], origin=web_stack.base_url)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def push_service(vapid: VapidKeys, web_stack: Stack) -> Iterator[LoopbackPushService]:
    if "notifier" not in web_stack.processes:
        web_stack.start("notifier")
    with LoopbackPushService(vapid.public_key).running() as running:
        yield running


def registration_id(cdp: CDPSession, origin: str) -> str:
    found: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: found.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")

    def mine() -> list[dict[str, Any]]:
        return [r for r in found if r["scopeURL"] == f"{origin}/" and not r["isDeleted"]]

    deadline = time.monotonic() + DEADLINE_SECONDS
    while not mine():
        assert time.monotonic() < deadline, "no service worker registered"
        cdp.send("Runtime.evaluate", {"expression": "1"})  # lets the events in
        time.sleep(0.1)
    registration: str = mine()[0]["registrationId"]
    return registration


def test_allowing_notifications_registers_the_worker_and_says_why_the_browser_cannot_subscribe(
    profile: BrowserContext, web_stack: Stack
) -> None:
    ben = Person(profile, web_stack.base_url, "ben").register()
    asked: list[str] = []
    ben.page.on("request", lambda request: asked.append(request.url))
    ben.page.get_by_role("button", name="Allow notifications").click()
    expect(ben.page.get_by_role("alert")).to_contain_text(
        "Notifications could not be turned on: the browser's push service refused the "
        "subscription (TimeoutError: the push service did not answer).",
        timeout=DEADLINE_SECONDS * 1000,
    )
    assert f"{web_stack.base_url}/v1/push/vapid-public-key" in asked
    assert registration_id(profile.new_cdp_session(ben.page), web_stack.base_url)
    expect(ben.page.get_by_role("button", name="Allow notifications")).to_be_enabled()
    assert ben.errors == []


def test_a_push_with_the_page_closed_shows_a_notification_with_the_conversation_and_sender(
    people: People, profile: BrowserContext, web_stack: Stack, push_service: LoopbackPushService
) -> None:
    ann = people("ann").register()
    ben = Person(profile, web_stack.base_url, "ben").register()
    ben.page.get_by_role("button", name="Allow notifications").click()
    registration = registration_id(profile.new_cdp_session(ben.page), web_stack.base_url)
    token = ben.page.evaluate("() => JSON.parse(sessionStorage.getItem('chat.session')).token")
    device = push_service.subscribe()  # stands in for the subscription FCM would give
    answer = httpx.post(
        f"{web_stack.base_url}/v1/devices",
        json={"kind": "webpush", **device.as_json()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text

    ann.start_chat_with(ben)
    expect(ben.inbox_row(ann.handle)).to_be_visible()
    worker = wait_until(lambda: profile.service_workers)[0]
    names = "caches.open('names-v1').then(c => c.match('/names.json')).then(r => r ? r.json() : {})"
    wait_until(lambda: ann.handle in worker.evaluate(f"() => {names}").values())

    blank = profile.new_page()  # the page is closed; the browser still runs
    ben.page.close()
    expect(ann.conversation_status).not_to_have_text("online")
    ann.send("are you there?")
    pushed = wait_until(lambda: push_service.received)[0].payload
    assert "body" not in pushed  # the server sends no body unless configured to

    cdp = profile.new_cdp_session(blank)
    cdp.send("ServiceWorker.enable")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": web_stack.base_url, "registrationId": registration, "data": json.dumps(pushed)},
    )
    shown_script = (
        "() => self.registration.getNotifications()"
        ".then(all => all.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))"
    )
    live = wait_until(lambda: profile.service_workers)[0]
    shown = wait_until(lambda: live.evaluate(shown_script))
    conversation_id = pushed["conversation_id"]
    assert shown == [
        {
            "title": ann.handle,
            "body": "New message",
            "tag": conversation_id,
            "data": {
                "conversation_id": conversation_id,
                "message_id": pushed["message_id"],
                "sender_id": pushed["sender_id"],
            },
        }
    ]
    assert push_service.problems == []


def test_the_page_a_notification_opens_shows_its_conversation_after_logging_in(
    people: People,
) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ann.send("open me")
    expect(ben.message("open me")).to_have_count(0)  # ben has not opened it
    conversation_id = ben.inbox_row(ann.handle).get_attribute("data-conversation-id")
    page = ben.new_page()
    page.goto(f"/#conversation={conversation_id}")
    ben.log_in()
    expect(ben.conversation_title).to_have_text(ann.handle)
    expect(ben.message("open me")).to_be_visible()
