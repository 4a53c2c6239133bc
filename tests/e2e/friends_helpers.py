"""Friends on the real stack: a stack with the friends role, and the calls
and waits the friends tests share."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from tests.conftest import KAFKA_BOOTSTRAP, POSTGRES_DSN, REDIS_URL
from tests.e2e.client import Frame, Socket, User, unique_handle
from tests.e2e.conftest import _drop_namespace, namespace_env
from tests.e2e.processes import Stack

ROLES = ("processor", "projector", "friends", "edge")


def running_stack(log_dir: Path) -> Iterator[Stack]:
    """One stack for a whole module (each test makes its own users)."""
    name = f"t{uuid.uuid4().hex[:12]}"
    env = namespace_env(name, KAFKA_BOOTSTRAP, POSTGRES_DSN, REDIS_URL)
    running = Stack(env, log_dir)
    for role in ROLES:
        running.start(role)
    try:
        yield running
    finally:
        running.stop_all()
        _drop_namespace(name, KAFKA_BOOTSTRAP, POSTGRES_DSN)


def users(stack: Stack, *names: str) -> list[User]:
    return [User(stack.base_url, unique_handle(name)) for name in names]


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


def request_friend(user: User, other: User | str) -> httpx.Response:
    other_id = other if isinstance(other, str) else other.user_id
    return user.http.post("/v1/friends/requests", json={"user_id": other_id})


def accept(user: User, other: User) -> httpx.Response:
    return user.http.post(f"/v1/friends/requests/{other.user_id}/accept")


def block(user: User, other: User | str) -> httpx.Response:
    other_id = other if isinstance(other, str) else other.user_id
    return user.http.post("/v1/blocks", json={"user_id": other_id})


def friend_ids(user: User) -> list[str]:
    answer = user.http.get("/v1/friends")
    assert answer.status_code == 200, answer.text
    return [friend["user_id"] for friend in answer.json()["friends"]]


def blocked_ids(user: User) -> list[str]:
    return [row["user_id"] for row in user.http.get("/v1/blocks").json()["blocks"]]


def befriend(user: User, other: User) -> None:
    assert request_friend(user, other).status_code == 202
    wait_until(lambda: accept(other, user).status_code == 202)
    wait_until(lambda: other.user_id in friend_ids(user) and user.user_id in friend_ids(other))


def block_and_wait(user: User, other: User) -> None:
    """Blocks, then waits until the block is in the read models."""
    assert block(user, other).status_code == 202
    wait_until(lambda: other.user_id in blocked_ids(user))


def friend_push(about: User, state: str) -> Callable[[Frame], bool]:
    def matches(frame: Frame) -> bool:
        return (frame["type"], frame.get("user_id"), frame.get("state")) == (
            "friend",
            about.user_id,
            state,
        )

    return matches


def settle(socket: Socket) -> list[Frame]:
    """Everything the socket was sent before a ping now: its backlog, once
    the pong (queued after all of it) is in."""
    socket.send_frame({"type": "ping", "id": "settle"})
    socket.wait_for(lambda f: f["type"] == "pong" and f.get("id") == "settle")
    return list(socket.backlog)
