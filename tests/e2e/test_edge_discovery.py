"""Three real edges behind discovery: a user's devices land on one edge, and
an edge that leaves (drained or killed) moves only its own users, who
reconnect to their new edge and ``sync`` without losing a message."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.e2e.client import Frame, Socket, User, unique_handle
from tests.e2e.processes import Stack, free_port

EXTRA_EDGES = ("edge-2", "edge-3")
LEASE_SECONDS = 3.0
MAX_USERS = 60


@pytest.fixture
def extra_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The fan-out mode is the parameter (``user`` unless a test says: the
    discovery-only tests keep the mode that is not the default)."""
    mode = getattr(request, "param", "user")
    return {"CHAT_EDGE_LEASE_SECONDS": str(LEASE_SECONDS), "CHAT_FANOUT_MODE": mode}


BOTH_FANOUTS = pytest.mark.parametrize("extra_env", ["user", "edge"], indirect=True)


@pytest.fixture
def edges(stack: Stack) -> dict[str, int]:
    """Edge name -> port: the stack's edge and two more."""
    ports = {"edge": stack.port}
    for name in EXTRA_EDGES:
        ports[name] = free_port()
        stack.start("edge", name=name, port=ports[name])
    return ports


@pytest.fixture
def users(stack: Stack, edges: dict[str, int]) -> dict[str, list[User]]:
    """Edge name -> users discovery gives it (at least two each)."""
    by_edge: dict[str, list[User]] = {name: [] for name in edges}
    names = {socket_url(port): name for name, port in edges.items()}
    for _ in range(MAX_USERS):
        if min(len(listed) for listed in by_edge.values()) >= 2:
            return by_edge
        user = User(stack.base_url, unique_handle("u"))
        by_edge[names[user.discover()["ws_url"]]].append(user)
    raise AssertionError(f"{MAX_USERS} users never gave every edge two: {by_edge}")


def socket_url(port: int) -> str:
    return f"ws://127.0.0.1:{port}/v1/ws"


def discover_through(port: int, user: User) -> Frame:
    answer = httpx.get(
        f"http://127.0.0.1:{port}/v1/edge",
        headers={"Authorization": f"Bearer {user.token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    found: Frame = answer.json()
    return found


def everyone(users: dict[str, list[User]]) -> Iterator[User]:
    for listed in users.values():
        yield from listed


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {timeout} s"
        time.sleep(0.1)


def seqs_of(frames: list[Frame], conversation_id: str) -> set[int]:
    return {
        frame["seq"]
        for frame in frames
        if frame["type"] == "message" and frame["conversation_id"] == conversation_id
    }


def test_every_edge_gives_a_user_the_same_edge(
    edges: dict[str, int], users: dict[str, list[User]]
) -> None:
    for name, listed in users.items():
        for user in listed:
            answers = {discover_through(port, user)["ws_url"] for port in edges.values()}
            assert answers == {socket_url(edges[name])}


@BOTH_FANOUTS
def test_a_users_two_devices_that_follow_discovery_land_on_one_edge_and_both_get_pushes(
    edges: dict[str, int], users: dict[str, list[User]]
) -> None:
    ann, ben = users["edge-3"][0], users["edge"][0]
    conversation_id = ben.start_direct(ann)
    phone_url = ann.discover()["ws_url"]  # asked through the stack's edge
    laptop_url = discover_through(edges["edge-2"], ann)["ws_url"]
    assert phone_url == laptop_url == socket_url(edges["edge-3"])
    phone, laptop = Socket(phone_url, ann.token), Socket(laptop_url, ann.token)
    sender = ben.follow_discovery()
    assert sender.send_message(conversation_id, "c1", "to both devices")["type"] == "sent"
    assert phone.message_with_seq(1)["body"] == "to both devices"
    assert laptop.message_with_seq(1)["body"] == "to both devices"


@BOTH_FANOUTS
def test_a_draining_edge_moves_only_its_users_who_reconnect_and_sync_without_loss(
    stack: Stack, edges: dict[str, int], users: dict[str, list[User]]
) -> None:
    before = {user.user_id: user.discover()["edge_id"] for user in everyone(users)}
    mover, peer = users["edge-2"][0], users["edge"][0]
    conversation_id = peer.start_direct(mover)
    old, sender = mover.follow_discovery(), peer.follow_discovery()
    for n in (1, 2, 3):
        assert sender.send_message(conversation_id, f"c{n}", f"before {n}")["type"] == "sent"
    old.message_with_seq(3)
    draining = stack.processes.pop("edge-2")
    draining.send_signal(signal.SIGTERM)
    for n in (4, 5, 6):  # while the mover is between edges
        assert sender.send_message(conversation_id, f"c{n}", f"during {n}")["type"] == "sent"
    assert old.until_closed() == 1001
    seen = seqs_of(old.backlog, conversation_id) | {1, 2, 3}
    new = old.reconnected(mover.token)
    assert draining.wait(timeout=30) in (0, -signal.SIGTERM)
    assert new.ready["user_id"] == mover.user_id
    assert mover.discover()["ws_url"] != socket_url(edges["edge-2"])
    synced = new.sync({conversation_id: max(seen)})
    assert seen | seqs_of(synced, conversation_id) == {1, 2, 3, 4, 5, 6}
    after = {user.user_id: user.discover()["edge_id"] for user in everyone(users)}
    gone = before[mover.user_id]
    moved = {user_id for user_id in before if after[user_id] != before[user_id]}
    assert moved == {user_id for user_id, edge_id in before.items() if edge_id == gone}
    assert gone not in after.values()


@BOTH_FANOUTS
def test_a_killed_edge_drops_out_of_discovery_within_its_lease_and_only_its_users_move(
    stack: Stack, edges: dict[str, int], users: dict[str, list[User]]
) -> None:
    before = {user.user_id: user.discover()["edge_id"] for user in everyone(users)}
    victims = {user.user_id for user in users["edge-3"]}
    gone = before[next(iter(victims))]
    stack.kill("edge-3")
    probe = users["edge-3"][0]
    wait_until(lambda: probe.discover()["edge_id"] != gone, 10 * LEASE_SECONDS, "the move")
    after = {user.user_id: user.discover()["edge_id"] for user in everyone(users)}
    moved = {user_id for user_id in before if after[user_id] != before[user_id]}
    assert moved == victims
    # Its users' presence leases outlive it (their TTL): per-edge fan-out
    # routes to the dead edge and to the new one, where the push arrives.
    peer = users["edge"][0]
    conversation_id = peer.start_direct(probe)
    moved_socket, sender = probe.follow_discovery(), peer.follow_discovery()
    assert sender.send_message(conversation_id, "c1", "after the kill")["type"] == "sent"
    assert moved_socket.message_with_seq(1)["body"] == "after the kill"
