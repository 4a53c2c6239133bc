"""The page follows discovery across origins: served by one edge, it opens
its socket on the edge ``GET /v1/edge`` names (the edges list each other in
CHAT_ALLOWED_ORIGINS, which also opens the page's policy to their sockets),
and when that edge drains, its ``reconnect`` frame takes the page to the
next edge without losing a message."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.chromium import DESKTOP, TIMEOUT_MS
from tests.browser.person import Person
from tests.e2e.conftest import _drop_namespace, namespace_env
from tests.e2e.processes import Stack, free_port

MAX_TRIES = 40


@pytest.fixture
def two_edges(
    tmp_path: Path, unique_name: str, kafka_bootstrap: str, postgres_dsn: str, redis_url: str
) -> Iterator[tuple[Stack, int]]:
    """A stack whose first edge serves the pages, and a second edge; the port of the second."""
    name = unique_name
    second = free_port()
    stack = Stack(namespace_env(name, kafka_bootstrap, postgres_dsn, redis_url), tmp_path)
    stack.env["CHAT_ALLOWED_ORIGINS"] = f"http://127.0.0.1:{stack.port},http://127.0.0.1:{second}"
    stack.start_all()
    try:
        stack.start("edge", name="edge-2", port=second)
        yield stack, second
    finally:
        stack.stop_all()
        _drop_namespace(name, kafka_bootstrap, postgres_dsn)


def person_on(browser: Browser, stack: Stack, port: int | None, made: list[Person]) -> Person:
    """A logged-in person whose discovered edge is on ``port`` (None: any)."""
    for _ in range(MAX_TRIES):
        context = browser.new_context(viewport=DESKTOP, base_url=stack.base_url)
        context.set_default_timeout(TIMEOUT_MS)
        person = Person(context, stack.base_url, "disc")
        http = person.register_by_api()
        ws_url = http.get("/v1/edge").json()["ws_url"]
        if port is None or ws_url == f"ws://127.0.0.1:{port}/v1/ws":
            made.append(person)
            return person.log_in()
        context.close()
    raise AssertionError(f"no user of {MAX_TRIES} was given the edge on {port}")


def socket_urls(person: Person) -> list[str]:
    urls: list[str] = []
    person.page.on("websocket", lambda socket: urls.append(socket.url))
    return urls


def test_the_page_opens_its_socket_on_its_discovered_edge_and_follows_a_drain(
    browser: Browser, two_edges: tuple[Stack, int]
) -> None:
    stack, second = two_edges
    made: list[Person] = []
    ann = person_on(browser, stack, second, made)
    urls = socket_urls(ann)
    ann.page.reload()  # the page's socket, watched from its start
    ann.expect_connected()
    assert urls == [f"ws://127.0.0.1:{second}/v1/ws"]
    ben = person_on(browser, stack, None, made)
    ben.start_chat_with(ann)
    ben.send("before the drain")
    ann.open_conversation(ben.handle)
    expect(ann.message("before the drain")).to_be_visible()

    draining = stack.processes.pop("edge-2")
    with ann.page.expect_websocket(timeout=TIMEOUT_MS):
        draining.send_signal(signal.SIGTERM)
    draining.wait(timeout=30)
    ann.expect_connected()
    ben.send("after the drain")
    expect(ann.message("after the drain")).to_be_visible()
    assert urls[-1] == stack.ws_url
    assert ann.bodies() == ["before the drain", "after the drain"]
    errors = [error for someone in made for error in someone.errors]
    for someone in made:
        someone.context.close()
    assert not errors, errors
