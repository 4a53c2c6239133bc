"""Operating the real roles: each serves /healthz, /readyz and /metrics
(the processor and projector on their own ports, the edge on its own), and
with CHAT_LOG_FORMAT=json every log line is one JSON object without message
bodies or tokens."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack, free_port

SECRET_BODY = "a body that must never reach a log line 7f3a"
PORTS = {"processor": free_port(), "projector": free_port()}
FRIENDS_PORT = free_port()  # the friends role is not in every stack: its own test


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {
        "CHAT_LOG_FORMAT": "json",
        "CHAT_PROCESSOR_HEALTH_PORT": str(PORTS["processor"]),
        "CHAT_PROJECTOR_HEALTH_PORT": str(PORTS["projector"]),
        "CHAT_FRIENDS_HEALTH_PORT": str(FRIENDS_PORT),
    }


def converse(stack: Stack) -> tuple[User, User]:
    alice = User(stack.base_url, unique_handle("alice"))
    bob = User(stack.base_url, unique_handle("bob"))
    conversation_id = alice.start_direct(bob)
    socket = bob.socket(stack.ws_url)
    for number in range(3):
        assert (
            alice.socket(stack.ws_url).send_message(conversation_id, f"c{number}", SECRET_BODY)[
                "type"
            ]
            == "sent"
        )
    socket.wait_for(lambda f: f["type"] == "message" and f["client_msg_id"] == "c2")
    return alice, bob


def test_every_role_is_ready_and_its_metrics_show_lag_and_push_latency(stack: Stack) -> None:
    converse(stack)
    for role, port in PORTS.items():
        body = wait_until_ready(f"http://127.0.0.1:{port}")
        assert set(body["checks"].values()) == {"ok"}, role
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "alive"}
    edge = wait_until_ready(stack.base_url)
    assert edge["checks"] == {"kafka": "ok", "redis": "ok", "postgres": "ok"}
    # The partitions read from so far (the conversation's), caught up.
    lags = wait_for_samples(PORTS["processor"], "chat_consumer_lag", lambda v: v == [0.0])
    assert set(lags) <= {"0", "1", "2", "3"}
    wait_for_samples(PORTS["projector"], "chat_send_to_push_seconds_count", lambda v: v >= [3.0])


def test_the_friends_role_serves_health_readiness_and_its_consumer_lag(stack: Stack) -> None:
    stack.start("friends")
    converse(stack)
    body = wait_until_ready(f"http://127.0.0.1:{FRIENDS_PORT}")
    assert body["checks"] == {"kafka": "ok", "postgres": "ok", "redis": "ok"}
    assert httpx.get(f"http://127.0.0.1:{FRIENDS_PORT}/healthz").json() == {"status": "alive"}
    wait_for_samples(FRIENDS_PORT, "chat_consumer_lag", lambda v: v == [0.0])


def test_with_json_logs_every_line_of_every_role_parses_and_holds_no_body_or_token(
    stack: Stack,
) -> None:
    alice, bob = converse(stack)
    stack.stop_all()
    lines = [
        line
        for path in sorted(stack.log_dir.glob("*.log"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    assert len(lines) > 10
    for line in lines:
        fields = json.loads(line)
        assert {"time", "level", "logger", "message", "role"} <= set(fields), line
        for secret in (SECRET_BODY, alice.token, bob.token):
            assert secret not in line
    assert {json.loads(line)["role"] for line in lines} >= {"edge", "processor", "projector"}


def wait_until_ready(base_url: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = httpx.get(f"{base_url}/readyz", timeout=5)
            if answer.status_code == 200:
                body: dict[str, Any] = answer.json()
                return body
            last = answer.text
        except httpx.HTTPError as error:
            last = str(error)
        if time.monotonic() > deadline:
            raise AssertionError(f"{base_url} not ready: {last}")
        time.sleep(0.1)


def wait_for_samples(
    port: int, name: str, holds: Callable[[list[float]], bool], timeout: float = 30.0
) -> dict[str, float]:
    """The samples ``name`` (by partition label) once their distinct values hold."""
    deadline = time.monotonic() + timeout
    while True:
        found = {s.labels.get("partition", ""): s.value for s in scrape(port) if s.name == name}
        if found and holds(sorted(set(found.values()))):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} on port {port}: {found}")
        time.sleep(0.1)


def scrape(port: int) -> list[Any]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]
