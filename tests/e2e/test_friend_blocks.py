"""Every effect of a block (PROTOCOL.md, "Friends, blocking, directory") on
the real stack, on real sockets, for sockets open before the block: no
message, typing or receipt of the blocked user reaches the blocker in their
direct conversation, presence is hidden both ways, the blocked user cannot
open a direct conversation with the blocker, add it to a group or ask it to
be friends, a friendship ends, and groups they share go on as before.

"Nothing arrives" is shown without waiting for nothing: a later frame that
must arrive, and that would have come after the refused one, arrives alone
(see friends_helpers.settle)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.client import Frame, Socket, User
from tests.e2e.friends_helpers import (
    befriend,
    block_and_wait,
    blocked_ids,
    friend_ids,
    friend_push,
    request_friend,
    running_stack,
    settle,
    users,
    wait_until,
)
from tests.e2e.processes import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack(tmp_path_factory.mktemp("blocks"))


@dataclass
class Scene:
    """Ann (who blocks) and Ben (blocked) have a direct conversation and a
    group with Cat; each has a socket open from before the block."""

    ann: User
    ben: User
    cat: User
    direct: str
    group: str
    ann_socket: Socket
    ben_socket: Socket
    cat_socket: Socket

    def block(self) -> None:
        """Ann blocks Ben; once the block is projected, the sockets' backlogs
        are emptied: whatever they get from then on came after the block."""
        block_and_wait(self.ann, self.ben)
        for socket in (self.ann_socket, self.ben_socket, self.cat_socket):
            settle(socket)
            socket.backlog.clear()


@pytest.fixture
def scene(stack: Stack) -> Scene:
    ann, ben, cat = users(stack, "ann", "ben", "cat")
    direct = ann.start_direct(ben)
    group = ann.create_group("crew", [ben, cat])
    sockets = [user.socket(stack.ws_url) for user in (ann, ben, cat)]
    return Scene(ann, ben, cat, direct, group, *sockets)


def is_message(conversation_id: str, client_msg_id: str) -> Callable[[Frame], bool]:
    return lambda f: (
        (f["type"], f.get("conversation_id"), f.get("client_msg_id"))
        == (
            "message",
            conversation_id,
            client_msg_id,
        )
    )


def of_type(frames: list[Frame], kind: str, **fields: object) -> list[Frame]:
    return [
        f for f in frames if f["type"] == kind and all(f.get(k) == v for k, v in fields.items())
    ]


def test_the_blocked_users_send_is_rejected_as_forbidden_and_nothing_is_posted(
    scene: Scene,
) -> None:
    scene.block()
    assert scene.ben_socket.send_message(scene.direct, "b1", "hello?")["type"] == "sent"
    rejected = scene.ben_socket.wait_for(lambda f: f["type"] == "rejected")
    assert (rejected["conversation_id"], rejected["client_msg_id"], rejected["code"]) == (
        scene.direct,
        "b1",
        "forbidden",
    )
    assert scene.ann.history(scene.direct)["last_seq"] == 0
    assert of_type(settle(scene.ann_socket), "message") == []


def test_the_blocked_users_typing_never_reaches_the_blocker(scene: Scene, stack: Stack) -> None:
    scene.ben_socket.send_frame({"type": "typing", "conversation_id": scene.direct})
    before = scene.ann_socket.wait_for(lambda f: f["type"] == "typing")
    assert before["conversation_id"] == scene.direct  # it did, before the block
    scene.block()
    fresh = scene.ben.socket(stack.ws_url)  # a socket of its own: no typing throttle yet
    fresh.send_frame({"type": "typing", "conversation_id": scene.direct})
    fresh.send_frame({"type": "typing", "conversation_id": scene.group})
    after = scene.ann_socket.wait_for(lambda f: f["type"] == "typing")
    assert (after["conversation_id"], after["user_id"]) == (scene.group, scene.ben.user_id)


def test_the_blocked_users_receipts_never_reach_the_blocker(scene: Scene) -> None:
    assert scene.ann_socket.send_message(scene.direct, "a1", "before")["type"] == "sent"
    scene.ben_socket.wait_for(is_message(scene.direct, "a1"))
    scene.block()
    scene.ben_socket.send_frame(
        {"type": "read", "id": "r1", "conversation_id": scene.direct, "up_to_seq": 1}
    )
    scene.ben_socket.wait_for(lambda f: f["type"] == "ok" and f.get("id") == "r1")
    # The same partition decides the next command after the read: had the
    # read moved a watermark, its receipt would be pushed (to Ben too) first.
    scene.ben_socket.send_message(scene.direct, "b2", "after")
    scene.ben_socket.wait_for(lambda f: f["type"] == "rejected")
    assert of_type(scene.ben_socket.backlog, "receipt") == []
    assert of_type(settle(scene.ann_socket), "receipt") == []
    receipts = scene.ann.http.get(f"/v1/conversations/{scene.direct}/receipts").json()
    assert {m["user_id"]: m["read_seq"] for m in receipts["members"]}[scene.ben.user_id] == 0


def presence_of(user: User, status: str) -> Callable[[Frame], bool]:
    return lambda f: (
        (f["type"], f.get("user_id"), f.get("status"))
        == (
            "presence",
            user.user_id,
            status,
        )
    )


def test_presence_is_hidden_both_ways(scene: Scene, stack: Stack) -> None:
    scene.block()
    ann, ben, cat = scene.ann, scene.ben, scene.cat
    assert ann.http.get(f"/v1/users/{ben.user_id}/presence").status_code == 404
    assert ben.http.get(f"/v1/users/{ann.user_id}/presence").status_code == 404
    assert cat.http.get(f"/v1/users/{ben.user_id}/presence").status_code == 200
    # Ben goes offline and comes back: Cat, a contact, hears both; Ann nothing.
    scene.ben_socket.close()
    scene.cat_socket.wait_for(presence_of(ben, "offline"))
    ben_again = ben.socket(stack.ws_url)
    scene.cat_socket.wait_for(presence_of(ben, "online"))
    assert of_type(settle(scene.ann_socket), "presence", user_id=ben.user_id) == []
    # And the other way round.
    scene.ann_socket.close()
    scene.cat_socket.wait_for(presence_of(ann, "offline"))
    ann.socket(stack.ws_url)
    scene.cat_socket.wait_for(presence_of(ann, "online"))
    assert of_type(settle(ben_again), "presence", user_id=ann.user_id) == []


def test_the_blocked_user_cannot_open_a_direct_conversation_with_the_blocker(
    scene: Scene, stack: Stack
) -> None:
    scene.block()
    existing = scene.ben.http.post(
        "/v1/conversations", json={"kind": "direct", "peer_id": scene.ann.user_id}
    )
    assert (existing.status_code, existing.json()["error"]["message"]) == (
        404,
        f"no such user: {scene.ann.user_id}",
    )
    dan, eve = users(stack, "dan", "eve")
    block_and_wait(dan, eve)
    fresh = eve.http.post("/v1/conversations", json={"kind": "direct", "peer_id": dan.user_id})
    assert fresh.status_code == 404
    assert dan.start_direct(eve)  # the blocker still can


def test_the_blocked_user_cannot_add_the_blocker_to_a_group(scene: Scene) -> None:
    scene.block()
    ben = scene.ben
    created = ben.http.post(
        "/v1/conversations",
        json={"kind": "group", "title": "t", "member_ids": [scene.cat.user_id, scene.ann.user_id]},
    )
    assert (created.status_code, created.json()["error"]["code"]) == (404, "not_found")
    own = ben.create_group("ben's", [scene.cat])
    added = ben.http.post(
        f"/v1/conversations/{own}/members", json={"user_ids": [scene.ann.user_id]}
    )
    assert (added.status_code, added.json()["error"]["message"]) == (
        404,
        f"no such user: {scene.ann.user_id}",
    )
    scene.ann.add_members(scene.ann.create_group("ann's", [scene.cat]), [ben])  # the blocker can


def test_the_blocked_user_cannot_ask_the_blocker_to_be_friends(scene: Scene) -> None:
    scene.block()
    refused = request_friend(scene.ben, scene.ann)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found")


def test_a_block_ends_a_friendship_and_tells_only_the_blocker_it_is_a_block(
    scene: Scene,
) -> None:
    befriend(scene.ann, scene.ben)
    block_and_wait(scene.ann, scene.ben)
    told_ann = scene.ann_socket.wait_for(friend_push(scene.ben, "none"))
    told_ben = scene.ben_socket.wait_for(friend_push(scene.ann, "none"))
    assert (told_ann["blocked"], told_ben["blocked"]) == (True, False)
    assert friend_ids(scene.ann) == friend_ids(scene.ben) == []
    assert blocked_ids(scene.ann) == [scene.ben.user_id]
    assert blocked_ids(scene.ben) == []


def test_messages_in_a_group_they_share_flow_as_before(scene: Scene) -> None:
    scene.block()
    assert scene.ben_socket.send_message(scene.group, "g1", "hi all")["type"] == "sent"
    scene.ann_socket.wait_for(is_message(scene.group, "g1"))


def test_after_an_unblock_the_blocked_user_can_send_again(scene: Scene) -> None:
    scene.block()
    assert scene.ann.http.delete(f"/v1/blocks/{scene.ben.user_id}").status_code == 202
    wait_until(lambda: blocked_ids(scene.ann) == [])
    assert scene.ben_socket.send_message(scene.direct, "b3", "hi again")["type"] == "sent"
    scene.ann_socket.wait_for(is_message(scene.direct, "b3"))
