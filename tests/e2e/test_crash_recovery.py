"""kill -9 the processor and the projector mid-stream: nothing acknowledged is lost."""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack

MESSAGES = 200


def test_every_acknowledged_message_survives_kill_9_exactly_once_in_order(stack: Stack) -> None:
    alice = User(stack.base_url, unique_handle("alice"))
    bob = User(stack.base_url, unique_handle("bob"))
    conversation_id = alice.start_direct(bob)
    socket = alice.socket(stack.ws_url)
    acknowledged: list[tuple[str, str]] = []

    def send_stream() -> None:
        for number in range(MESSAGES):
            frame = socket.send_message(conversation_id, f"c{number}", f"body {number}")
            if frame["type"] == "sent":
                acknowledged.append((frame["client_msg_id"], frame["message_id"]))

    sender = threading.Thread(target=send_stream)
    sender.start()
    # Kill while messages are being decided and projected, not before or after.
    wait_for_history(bob, conversation_id, 20)
    stack.kill("processor")
    stack.kill("projector")
    stack.start("processor")
    stack.start("projector")
    sender.join(120)
    assert len(acknowledged) == MESSAGES
    messages = wait_for_history(bob, conversation_id, MESSAGES)
    assert [m["seq"] for m in messages] == list(range(1, MESSAGES + 1))
    assert [(m["client_msg_id"], m["message_id"]) for m in messages] == acknowledged


def wait_for_history(user: User, conversation_id: str, count: int) -> list[dict[str, Any]]:
    """All messages once at least ``count`` are there (or what is there at the deadline)."""
    deadline = time.monotonic() + 90
    while True:
        messages: list[dict[str, Any]] = []
        page = user.history(conversation_id, after_seq=0, limit=200)
        while page["messages"]:
            messages += page["messages"]
            page = user.history(conversation_id, after_seq=messages[-1]["seq"], limit=200)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.05)
