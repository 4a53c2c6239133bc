"""SIGTERM stops every role within its bound, even while the broker is down."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.server import EDGE_STOP_GRACE_SECONDS
from app.supervise import STOP_GRACE_SECONDS
from tests.e2e.client import User, unique_handle
from tests.e2e.private_broker import PrivateBroker
from tests.e2e.processes import Stack

SLACK_S = 3.0
BOUNDS = {
    "processor": STOP_GRACE_SECONDS + SLACK_S,
    "projector": STOP_GRACE_SECONDS + SLACK_S,
    "edge": EDGE_STOP_GRACE_SECONDS + SLACK_S,
}


@pytest.fixture
def stack_on_private_broker(
    tmp_path: Path, stack_env: dict[str, str]
) -> Iterator[tuple[Stack, PrivateBroker]]:
    broker = PrivateBroker(tmp_path / "kafka")
    broker.start()
    stack = Stack({**stack_env, "CHAT_KAFKA_BOOTSTRAP": broker.bootstrap}, tmp_path)
    try:
        stack.start_all()
        yield stack, broker
    finally:
        stack.stop_all()
        broker.stop()


@pytest.mark.parametrize("role", sorted(BOUNDS))
def test_sigterm_stops_the_role_in_time_while_the_broker_is_down(
    stack_on_private_broker: tuple[Stack, PrivateBroker], role: str
) -> None:
    stack, broker = stack_on_private_broker
    alice, bob = User(stack.base_url, unique_handle("a")), User(stack.base_url, unique_handle("b"))
    chat = alice.start_direct(bob)
    socket = alice.socket(stack.ws_url)
    assert socket.send_message(chat, "c1", "hi")["type"] == "sent"
    broker.stop()
    process = stack.processes[role]
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    took = time.monotonic() - started
    assert took <= BOUNDS[role], f"{role} took {took:.1f} s to stop"
