"""Groups, removal, inbox and catch-up after reconnect, on the real stack."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from tests.e2e.client import Frame, User, unique_handle
from tests.e2e.processes import Stack


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def users(stack: Stack, *names: str) -> list[User]:
    return [User(stack.base_url, unique_handle(name)) for name in names]


def test_a_group_of_four_chats_and_every_member_gets_every_message(stack: Stack) -> None:
    ann, ben, cat, dan = users(stack, "ann", "ben", "cat", "dan")
    group = ann.create_group("crew", [ben, cat, dan])
    sockets = [user.socket(stack.ws_url) for user in (ann, ben, cat, dan)]
    for number, sender in enumerate(sockets):
        assert sender.send_message(group, f"c{number}", f"from {number}")["type"] == "sent"
    for socket in sockets:
        bodies = {socket.message_with_seq(seq)["body"] for seq in (1, 2, 3, 4)}
        assert bodies == {"from 0", "from 1", "from 2", "from 3"}
    summary = next(c for c in ben.inbox() if c["conversation_id"] == group)
    assert (summary["kind"], summary["title"], summary["last_seq"]) == ("group", "crew", 4)
    assert summary["unread_count"] == 3  # everyone's but ben's own


def test_every_device_of_a_member_gets_every_message(stack: Stack) -> None:
    ann, ben, cat = users(stack, "ann", "ben", "cat")
    group = ann.create_group("crew", [ben, cat])
    phone, laptop = ben.socket(stack.ws_url), ben.socket(stack.ws_url)
    sent = ann.socket(stack.ws_url).send_message(group, "c1", "to every device")
    for device in (phone, laptop):
        assert device.message_with_seq(1)["message_id"] == sent["message_id"]


def test_a_removed_member_gets_404_and_a_late_send_ends_as_rejected(stack: Stack) -> None:
    ann, ben, cat = users(stack, "ann", "ben", "cat")
    group = ann.create_group("crew", [ben, cat])
    ben_socket = ben.socket(stack.ws_url)
    # With the projector stopped the edge still sees ben as a member, so his
    # send is accepted; the processor, which has the removal first, rejects it.
    stack.processes["projector"].send_signal(signal.SIGTERM)
    stack.processes.pop("projector").wait(timeout=30)
    ann.remove_member(group, ben)
    sent = ben_socket.send_message(group, "late", "too late")
    assert sent["type"] == "sent"
    stack.start("projector")
    rejected = ben_socket.wait_for(lambda f: f["type"] == "rejected")
    assert (rejected["client_msg_id"], rejected["conversation_id"]) == ("late", group)
    wait_until(lambda: ben.http.get(f"/v1/conversations/{group}").status_code == 404)
    assert ben.http.get(f"/v1/conversations/{group}/messages").status_code == 404
    assert all(c["conversation_id"] != group for c in ben.inbox())
    assert ann.history(group)["messages"] == []


def test_members_get_a_conversation_push_when_someone_joins(stack: Stack) -> None:
    ann, ben, cat = users(stack, "ann", "ben", "cat")
    group = ann.create_group("crew", [ben])
    ben_socket = ben.socket(stack.ws_url)
    ann.add_members(group, [cat])

    def shows_cat(frame: Frame) -> bool:
        return (
            frame["type"] == "conversation" and cat.user_id in frame["conversation"]["member_ids"]
        )

    pushed = ben_socket.wait_for(shows_cat)
    assert pushed["conversation"]["conversation_id"] == group


def test_a_reconnecting_member_syncs_exactly_the_missed_messages(stack: Stack) -> None:
    ann, ben, cat = users(stack, "ann", "ben", "cat")
    group = ann.create_group("crew", [ben, cat])
    ann_socket, ben_socket = ann.socket(stack.ws_url), ben.socket(stack.ws_url)
    ann_socket.send_message(group, "c0", "seen")
    assert ben_socket.message_with_seq(1)["body"] == "seen"
    ben_socket.close()
    for number in (1, 2, 3):
        ann_socket.send_message(group, f"c{number}", f"missed {number}")
    wait_until(lambda: ben.history(group)["last_seq"] == 4)
    frames = ben.socket(stack.ws_url).sync({group: 1})
    assert [f.get("seq") for f in frames] == [2, 3, 4, None]
    assert [f.get("body") for f in frames[:3]] == ["missed 1", "missed 2", "missed 3"]


def test_a_resend_over_http_and_socket_makes_one_message(stack: Stack) -> None:
    ann, ben = users(stack, "ann", "ben")
    conversation_id = ann.start_direct(ben)
    socket = ann.socket(stack.ws_url)
    first = socket.send_message(conversation_id, "same", "once")
    over_http = ann.http.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"client_msg_id": "same", "body": "once"},
    )
    again = socket.send_message(conversation_id, "same", "once")
    assert first["message_id"] == over_http.json()["message_id"] == again["message_id"]
    socket.send_message(conversation_id, "next", "twice")
    wait_until(lambda: ben.history(conversation_id)["last_seq"] == 2)
    messages = ben.history(conversation_id)["messages"]
    assert [(m["seq"], m["client_msg_id"]) for m in messages] == [(1, "same"), (2, "next")]


def test_history_pages_both_ways(stack: Stack) -> None:
    ann, ben = users(stack, "ann", "ben")
    conversation_id = ann.start_direct(ben)
    for number in range(7):
        ann.http.post(
            f"/v1/conversations/{conversation_id}/messages",
            json={"client_msg_id": f"c{number}", "body": f"b{number}"},
        )
    wait_until(lambda: ben.history(conversation_id)["last_seq"] == 7)
    seqs = [m["seq"] for m in ben.history(conversation_id, after_seq=2, limit=3)["messages"]]
    assert seqs == [3, 4, 5]
    seqs = [m["seq"] for m in ben.history(conversation_id, before_seq=3, limit=5)["messages"]]
    assert seqs == [1, 2]
    seqs = [m["seq"] for m in ben.history(conversation_id, limit=2)["messages"]]
    assert seqs == [6, 7]
