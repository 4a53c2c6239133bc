"""Browser tests: Playwright drives Debian's Chromium against the real stack
(processor, projector, friends and edge as processes on Kafka, PostgreSQL and Redis).
One stack and one browser serve the whole package; each test gets its own
browser contexts (fresh storage, as separate people) and unique handles."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, expect, sync_playwright

from infra.push.vapid import VapidKeys, generate_vapid_keys
from tests.browser.chromium import DESKTOP, PHONE, TIMEOUT_MS, launch, screenshot_dir
from tests.browser.person import Person
from tests.e2e.conftest import _drop_namespace
from tests.e2e.processes import REPO, Stack

expect.set_options(timeout=TIMEOUT_MS)

People = Callable[..., Person]


@pytest.fixture(scope="package")
def vapid() -> VapidKeys:
    """The stack's VAPID key pair (Web Push to a loopback push service)."""
    return generate_vapid_keys()


@pytest.fixture(scope="package")
def web_stack(tmp_path_factory: pytest.TempPathFactory, vapid: VapidKeys) -> Iterator[Stack]:
    kafka = os.environ.get("CHAT_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    postgres = os.environ.get(
        "CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
    )
    redis = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    name = f"t{uuid.uuid4().hex[:12]}"
    env = {
        "CHAT_KAFKA_BOOTSTRAP": kafka,
        "CHAT_POSTGRES_DSN": postgres,
        "CHAT_REDIS_URL": redis,
        "CHAT_TOPIC_PREFIX": f"{name}.",
        "CHAT_CONSUMER_GROUP_PREFIX": name,
        "CHAT_PG_SCHEMA": name,
        "CHAT_REDIS_PREFIX": f"{name}:",
        "CHAT_PARTITIONS": "4",
        "CHAT_PRESENCE_TTL_SECONDS": "6",
        "CHAT_LOGIN_ATTEMPTS_PER_MINUTE": "6000",
        "CHAT_SEND_RATE_PER_SECOND": "1000",
        "CHAT_SEND_BURST": "1000",
        "CHAT_VAPID_PRIVATE_KEY": vapid.private_key,
        "CHAT_PUSH_ALLOW_LOOPBACK": "1",
    }
    running = Stack(env, tmp_path_factory.mktemp("web-stack"))
    running.start_all()
    running.start("friends")  # the friends panel's read models and pushes
    try:
        yield running
    finally:
        running.stop_all()
        _drop_namespace(name, kafka, postgres)


@pytest.fixture(scope="package")
def driver() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(driver: Playwright) -> Iterator[Browser]:
    launched = launch(driver)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def people(browser: Browser, web_stack: Stack) -> Iterator[People]:
    """``people("ann")``: a person with their own browser context (a phone's
    with ``phone=True``), page open at /; every page must end the test
    without a script error or a refusal by the page's policy."""
    made: list[Person] = []

    def person(prefix: str, phone: bool = False) -> Person:
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            base_url=web_stack.base_url,
        )
        context.set_default_timeout(TIMEOUT_MS)
        made.append(Person(context, web_stack.base_url, prefix))
        return made[-1]

    yield person
    errors = [error for someone in made for error in someone.errors]
    for someone in made:
        someone.context.close()
    assert not errors, errors


@pytest.fixture(scope="package")
def screenshots() -> Path:
    return screenshot_dir(REPO)
