"""`chatapp serve` with nothing configured: the whole backend in one process."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack, embedded_server


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Stack]:
    with embedded_server(tmp_path, {}) as server:
        yield server


def test_the_embedded_server_says_first_that_nothing_is_durable(embedded: Stack) -> None:
    embedded.stop_all()
    first_lines = (embedded.log_dir / "serve-1.log").read_text().splitlines()[:3]
    assert any("NOTHING IS DURABLE" in line for line in first_lines)


def test_two_users_chat_on_the_embedded_server(embedded: Stack) -> None:
    alice = User(embedded.base_url, unique_handle("alice"))
    bob = User(embedded.base_url, unique_handle("bob"))
    conversation_id = alice.start_direct(bob)
    bob_socket = bob.socket(embedded.ws_url)
    alice_socket = alice.socket(embedded.ws_url)
    sent = alice_socket.send_message(conversation_id, "c1", "hi bob")
    assert sent["type"] == "sent"
    pushed = bob_socket.wait_for(lambda f: f["type"] == "message")
    assert (pushed["seq"], pushed["message_id"], pushed["body"]) == (
        1,
        sent["message_id"],
        "hi bob",
    )
    assert [m["body"] for m in bob.history(conversation_id)["messages"]] == ["hi bob"]


def test_server_shutdown_closes_sockets_with_1001(embedded: Stack) -> None:
    user = User(embedded.base_url, unique_handle("carol"))
    socket = user.socket(embedded.ws_url)
    embedded.processes["serve"].send_signal(signal.SIGTERM)
    with pytest.raises(ConnectionClosed) as closed:
        socket.connection.recv(timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
