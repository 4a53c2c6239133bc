"""Two users chat through the real edge, processor and projector processes."""

from __future__ import annotations

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack


def test_two_users_exchange_messages_with_gapless_seq_and_history(stack: Stack) -> None:
    alice = User(stack.base_url, unique_handle("alice"))
    bob = User(stack.base_url, unique_handle("bob"))
    conversation_id = alice.start_direct(bob)
    alice_socket, bob_socket = alice.socket(stack.ws_url), bob.socket(stack.ws_url)
    sent = [alice_socket.send_message(conversation_id, f"m{n}", f"hello {n}") for n in range(3)]
    assert [frame["type"] for frame in sent] == ["sent"] * 3
    message_ids = [frame["message_id"] for frame in sent]
    for socket in (alice_socket, bob_socket):
        pushes = [socket.message_with_seq(n) for n in (1, 2, 3)]
        assert [p["message_id"] for p in pushes] == message_ids
        assert [p["body"] for p in pushes] == ["hello 0", "hello 1", "hello 2"]
    history = bob.history(conversation_id)
    assert [m["seq"] for m in history["messages"]] == [1, 2, 3]
    assert [m["message_id"] for m in history["messages"]] == message_ids
    assert history["last_seq"] == 3
