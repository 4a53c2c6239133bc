"""Edits, deletions, reactions and replies on the real stack (Kafka,
PostgreSQL, Redis, the roles as processes): two devices of one member and a
member added afterwards each reach the same final state after ``sync``."""

from __future__ import annotations

from typing import Any

from tests.e2e.client import Frame, Socket, User, unique_handle
from tests.e2e.processes import Stack

Seen = dict[int, tuple[Any, ...]]


def fold(frames: list[Frame], state: dict[int, Frame] | None = None) -> dict[int, Frame]:
    """Messages by seq: ``message`` frames, then the newest ``message_changed``."""
    state = {} if state is None else state
    for frame in frames:
        if frame["type"] == "message":
            message = {k: v for k, v in frame.items() if k != "type"}
        elif frame["type"] == "message_changed":
            message = frame["message"]
        else:
            continue
        known = state.get(message["seq"])
        if known is None or message["change_seq"] >= known["change_seq"]:
            state[message["seq"]] = message
    return state


def what_everyone_sees(state: dict[int, Frame]) -> Seen:
    return {
        seq: (
            m["body"],
            m["edited"],
            m["deleted"],
            [(r["emoji"], r["user_ids"]) for r in m["reactions"]],
            None if m["reply_to"] is None else (m["reply_to"]["seq"], m["reply_to"]["body"]),
        )
        for seq, m in sorted(state.items())
    }


def synced(socket: Socket, conversation_id: str, last_seq: int, last_change: int) -> list[Frame]:
    socket.send_frame(
        {
            "type": "sync",
            "id": "sync",
            "cursors": {conversation_id: last_seq},
            "changes": {conversation_id: last_change},
        }
    )
    frames: list[Frame] = []
    while not frames or frames[-1]["type"] != "synced":
        frames.append(
            socket.wait_for(lambda f: f["type"] in ("message", "message_changed", "synced"))
        )
    return frames


def live_frames(socket: Socket, until_change: int) -> list[Frame]:
    """Pushes until the one of change ``until_change`` (later ones may be lost: sync)."""
    frames = [socket.wait_for(lambda f: f["type"] in ("message", "message_changed"))]
    while not (
        frames[-1]["type"] == "message_changed" and frames[-1]["change_seq"] >= until_change
    ):
        frames.append(socket.wait_for(lambda f: f["type"] in ("message", "message_changed")))
    return frames


def ok(socket: Socket, frame: Frame) -> None:
    socket.send_frame(frame)
    answer = socket.wait_for(lambda f: f.get("id") == frame["id"] and f["type"] in ("ok", "error"))
    assert answer["type"] == "ok", answer


def test_two_devices_and_a_late_member_see_the_same_final_state(stack: Stack) -> None:
    ann, bob, cat = (User(stack.base_url, unique_handle(n)) for n in ("ann", "bob", "cat"))
    group = ann.create_group("crew", [bob])
    ann_socket = ann.socket(stack.ws_url)
    phone, laptop = bob.socket(stack.ws_url), bob.socket(stack.ws_url)
    for number in (1, 2, 3):
        assert ann_socket.send_message(group, f"m{number}", f"note {number}")["type"] == "sent"
    phone.message_with_seq(3)
    phone.send_frame(
        {
            "type": "send",
            "id": "r",
            "conversation_id": group,
            "client_msg_id": "r",
            "body": "about note 1",
            "reply_to": 1,
        }
    )
    phone.wait_for(lambda f: f.get("id") == "r" and f["type"] == "sent")
    ann_socket.message_with_seq(4)  # she deletes the reply she has seen, as a client does
    changes: list[tuple[Socket, Frame]] = [
        (ann_socket, {"type": "edit", "seq": 1, "body": "note 1 (fixed)"}),
        (laptop, {"type": "react", "seq": 1, "emoji": "👍"}),
        (ann_socket, {"type": "react", "seq": 1, "emoji": "👍"}),
        (phone, {"type": "react", "seq": 2, "emoji": "🎉"}),
        (phone, {"type": "unreact", "seq": 2, "emoji": "🎉"}),
        (ann_socket, {"type": "delete", "seq": 3}),
        (ann_socket, {"type": "delete", "seq": 4}),  # an admin deletes bob's reply
    ]
    for number, (socket, frame) in enumerate(changes):
        ok(socket, {**frame, "id": f"change{number}", "conversation_id": group})
    states = []
    for device in (phone, laptop):
        state = fold(live_frames(device, len(changes)))
        last_change = max(m["change_seq"] for m in state.values())
        states.append(fold(synced(device, group, max(state), last_change), state))
    ann.add_members(group, [cat])
    cat.wait_until_visible(group)
    late = cat.socket(stack.ws_url)
    states.append(fold(synced(late, group, 0, 0)))
    expected: Seen = {
        1: ("note 1 (fixed)", True, False, [("👍", [bob.user_id, ann.user_id])], None),
        2: ("note 2", False, False, [], None),
        3: ("", False, True, [], None),
        4: ("", False, True, [], None),  # a tombstone quotes nothing
    }
    assert [what_everyone_sees(state) for state in states] == [expected] * 3
    searched = cat.http.get("/v1/search", params={"q": "note"}).json()["results"]
    assert [r["message"]["seq"] for r in searched] == [2, 1]
