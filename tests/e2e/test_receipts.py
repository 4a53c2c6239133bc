"""sent -> delivered -> read on the real stack, 1-on-1 and in a group of five."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.e2e.client import Frame, Socket, User, unique_handle
from tests.e2e.processes import Stack


def receipt(user: User, kind: str, seq: int) -> Callable[[Frame], bool]:
    def matches(frame: Frame) -> bool:
        return (frame["type"], frame.get("user_id"), frame.get("kind"), frame.get("up_to_seq")) == (
            "receipt",
            user.user_id,
            kind,
            seq,
        )

    return matches


def report(socket: Socket, kind: str, conversation_id: str, seq: int) -> None:
    socket.send_frame(
        {"type": kind, "id": f"{kind}{seq}", "conversation_id": conversation_id, "up_to_seq": seq}
    )
    assert socket.wait_for(lambda f: f.get("id") == f"{kind}{seq}")["type"] == "ok"


def own_message(user: User, conversation_id: str, want: Callable[[Any], bool]) -> Frame:
    deadline = time.monotonic() + 30
    while True:
        message: Frame = user.history(conversation_id, limit=1)["messages"][0]
        if want(message) or time.monotonic() > deadline:
            return message
        time.sleep(0.05)


def test_a_direct_message_goes_sent_delivered_read(stack: Stack) -> None:
    ann, ben = (User(stack.base_url, unique_handle(n)) for n in ("ann", "ben"))
    chat = ann.start_direct(ben)
    ann_socket, ben_socket = ann.socket(stack.ws_url), ben.socket(stack.ws_url)
    ann_socket.send_message(chat, "c1", "hello")
    ben_socket.message_with_seq(1)
    assert own_message(ann, chat, lambda m: True)["status"] == "sent"
    report(ben_socket, "delivered", chat, 1)
    ann_socket.wait_for(receipt(ben, "delivered", 1))
    assert own_message(ann, chat, lambda m: m["status"] != "sent")["status"] == "delivered"
    report(ben_socket, "read", chat, 1)
    ann_socket.wait_for(receipt(ben, "read", 1))
    assert own_message(ann, chat, lambda m: m["status"] == "read")["status"] == "read"
    members = {
        m["user_id"]: m
        for m in ann.http.get(f"/v1/conversations/{chat}/receipts").json()["members"]
    }
    assert (members[ben.user_id]["delivered_seq"], members[ben.user_id]["read_seq"]) == (1, 1)


def test_a_group_message_counts_deliveries_and_reads_per_member(stack: Stack) -> None:
    ann, *others = (User(stack.base_url, unique_handle(n)) for n in ("a", "b", "c", "d", "e"))
    group = ann.create_group("five", others)
    ann_socket = ann.socket(stack.ws_url)
    ann_socket.send_message(group, "c1", "hello all")
    sockets = [user.socket(stack.ws_url) for user in others]
    for socket in sockets[:3]:
        report(socket, "delivered", group, 1)
    message = own_message(ann, group, lambda m: m["delivered_count"] == 3)
    assert (message["delivered_count"], message["recipients"], message["status"]) == (3, 4, "sent")
    for socket in sockets:
        report(socket, "read", group, 1)
    message = own_message(ann, group, lambda m: m["status"] == "read")
    assert (message["read_count"], message["delivered_count"], message["status"]) == (4, 4, "read")
    assert ann.inbox()[0]["unread_count"] == 0
    assert next(c for c in others[0].inbox() if c["conversation_id"] == group)["unread_count"] == 0


def test_an_old_receipt_changes_nothing(stack: Stack) -> None:
    ann, ben = (User(stack.base_url, unique_handle(n)) for n in ("ann", "ben"))
    chat = ann.start_direct(ben)
    ann_socket, ben_socket = ann.socket(stack.ws_url), ben.socket(stack.ws_url)
    for number in (1, 2):
        ann_socket.send_message(chat, f"c{number}", "hi")
    ben_socket.message_with_seq(2)
    report(ben_socket, "read", chat, 2)
    ann_socket.wait_for(receipt(ben, "read", 2))
    report(ben_socket, "read", chat, 1)
    ann_socket.send_message(chat, "c3", "later")  # any receipt for seq 1 would come before it
    ann_socket.message_with_seq(3)
    assert not [f for f in ann_socket.backlog if f["type"] == "receipt" and f["up_to_seq"] == 1]
    members = ann.http.get(f"/v1/conversations/{chat}/receipts").json()["members"]
    assert next(m for m in members if m["user_id"] == ben.user_id)["read_seq"] == 2
