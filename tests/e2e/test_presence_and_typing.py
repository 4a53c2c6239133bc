"""Presence and typing on the real stack, including a killed edge."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.client import Frame, User, unique_handle
from tests.e2e.kafka_records import raw_values
from tests.e2e.processes import Stack


def presence_of(user: User, status: str) -> Callable[[Frame], bool]:
    def matches(frame: Frame) -> bool:
        wanted = ("presence", user.user_id, status)
        return (frame["type"], frame.get("user_id"), frame.get("status")) == wanted

    return matches


def test_a_contact_sees_online_then_offline_with_last_seen(stack: Stack) -> None:
    ann, ben = (User(stack.base_url, unique_handle(n)) for n in ("ann", "ben"))
    ann.start_direct(ben)
    ann_socket = ann.socket(stack.ws_url)
    ben_socket = ben.socket(stack.ws_url)
    online = ann_socket.wait_for(presence_of(ben, "online"))
    assert online["last_seen"] is None
    ben_socket.close()
    offline = ann_socket.wait_for(presence_of(ben, "offline"))
    assert offline["last_seen"]
    answer = ann.http.get(f"/v1/users/{ben.user_id}/presence").json()
    assert (answer["status"], answer["last_seen"]) == ("offline", offline["last_seen"])


def test_presence_of_a_stranger_is_404(stack: Stack) -> None:
    ann, eve = (User(stack.base_url, unique_handle(n)) for n in ("ann", "eve"))
    assert ann.http.get(f"/v1/users/{eve.user_id}/presence").status_code == 404


def test_typing_reaches_the_other_members_of_a_group_of_five(
    stack: Stack, kafka_bootstrap: str
) -> None:
    ann, *others = (User(stack.base_url, unique_handle(n)) for n in ("a", "b", "c", "d", "e"))
    group = ann.create_group("five", others)
    sockets = [user.socket(stack.ws_url) for user in others]
    ann.socket(stack.ws_url).send_frame({"type": "typing", "conversation_id": group})
    for socket in sockets:
        typing = socket.wait_for(lambda f: f["type"] == "typing")
        assert (typing["user_id"], typing["conversation_id"]) == (ann.user_id, group)
    prefix = stack.env["CHAT_TOPIC_PREFIX"]
    for topic in ("chat.commands", "chat.events", "chat.presence"):  # typing is never logged
        assert not [v for v in raw_values(kafka_bootstrap, prefix + topic) if b"yping" in v]


def test_the_users_of_a_killed_edge_go_offline(stack: Stack) -> None:
    ann, ben = (User(stack.base_url, unique_handle(n)) for n in ("ann", "ben"))
    ann.start_direct(ben)
    second_edge = stack.start_second_edge()
    ann_socket = ann.socket(stack.ws_url)
    ben.socket(second_edge)
    ann_socket.wait_for(presence_of(ben, "online"))
    stack.kill("edge-2")
    offline = ann_socket.wait_for(presence_of(ben, "offline"), timeout=60)
    assert offline["last_seen"]
