"""SIGTERM on the edge: every send in flight is answered (``sent`` or an
error frame), the sockets are closed with 1001, and the edge stops without
a traceback."""

from __future__ import annotations

import json
import signal
import threading
import time

from websockets.exceptions import ConnectionClosed

from tests.e2e.client import Socket, User, unique_handle
from tests.e2e.processes import Stack

SENDERS = 4


def stream_sends(socket: Socket, conversation_id: str, outcome: dict[str, object]) -> None:
    """Sends until the socket closes; records each answer and the close code."""
    answered: dict[int, str] = {}
    sent_ids: list[int] = []
    try:
        number = 0
        while True:
            socket.send_frame(
                {
                    "type": "send",
                    "id": number,
                    "conversation_id": conversation_id,
                    "client_msg_id": f"{id(outcome)}-{number}",
                    "body": "draining",
                }
            )
            sent_ids.append(number)
            while number not in answered:
                frame = json.loads(socket.connection.recv(timeout=30))
                if frame.get("id") is not None and frame["type"] in ("sent", "error"):
                    answered[frame["id"]] = frame["type"]
                    outcome["answered"] = len(answered)
                    outcome["sent"] = list(answered.values()).count("sent")
            number += 1
    except ConnectionClosed as closed:
        outcome["code"] = closed.rcvd.code if closed.rcvd else None
    outcome["unanswered"] = [n for n in sent_ids if n not in answered]


def test_sigterm_answers_the_sends_in_flight_and_closes_sockets_with_1001(stack: Stack) -> None:
    ann, ben = (
        User(stack.base_url, unique_handle("ann")),
        User(stack.base_url, unique_handle("ben")),
    )
    conversation_id = ann.start_direct(ben)
    outcomes: list[dict[str, object]] = [{} for _ in range(SENDERS)]
    threads = [
        threading.Thread(
            target=stream_sends, args=(ann.socket(stack.ws_url), conversation_id, outcome)
        )
        for outcome in outcomes
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(int(str(o.get("answered", 0))) for o in outcomes) < 20:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    edge = stack.processes.pop("edge")
    edge.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(60)
    assert edge.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal
    assert [outcome["code"] for outcome in outcomes] == [1001] * SENDERS
    [log] = stack.log_dir.glob("edge-*.log")
    assert "Traceback" not in log.read_text(errors="replace")
    # Unanswered: at most each socket's last frame, which the edge had not
    # read when it stopped reading; it never reached the log either.
    assert all(len(outcome["unanswered"]) <= 1 for outcome in outcomes)  # type: ignore[arg-type]
    stack.start("edge")
    acknowledged = sum(int(str(outcome["sent"])) for outcome in outcomes)
    stored = wait_for_history(ben, conversation_id, acknowledged)
    assert len(stored) == acknowledged


def wait_for_history(user: User, conversation_id: str, count: int) -> list[dict[str, object]]:
    """The history once it holds ``count`` messages (a few more fail the test)."""
    deadline = time.monotonic() + 60
    while True:
        messages = user.history(conversation_id, after_seq=0, limit=200)["messages"]
        if len(messages) >= count or time.monotonic() > deadline:
            return list(messages)
        time.sleep(0.1)
