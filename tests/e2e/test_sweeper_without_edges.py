"""The presence sweeper does not depend on an edge being up: with every edge
killed (kill -9), their users still go offline within the lease TTL plus a
sweep interval (the projector's process sweeps)."""

from __future__ import annotations

import time

import redis

from infra.redis.keys import state_key
from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack

TTL = 6.0  # CHAT_PRESENCE_TTL_SECONDS of the e2e stack


def status_of(client: redis.Redis, prefix: str, user: User) -> str | None:
    raw = client.hget(state_key(prefix, user.user_id), "status")
    return raw.decode() if isinstance(raw, bytes) else None


def wait_for_status(
    client: redis.Redis, prefix: str, users: list[User], status: str, timeout: float
) -> None:
    """Waits until every user has ``status`` (fails at the deadline)."""
    started = time.monotonic()
    while True:
        found = [status_of(client, prefix, user) for user in users]
        if found == [status] * len(users):
            return
        if time.monotonic() - started > timeout:
            raise AssertionError(f"presence is {found}, not all {status}")
        time.sleep(0.1)


def test_with_every_edge_killed_users_go_offline_within_the_lease_and_a_sweep(
    stack: Stack, redis_url: str
) -> None:
    prefix = stack.env["CHAT_REDIS_PREFIX"]
    client = redis.Redis.from_url(redis_url)
    second_edge = stack.start_second_edge()
    ann, ben = (User(stack.base_url, unique_handle(n)) for n in ("ann", "ben"))
    ann.start_direct(ben)
    sockets = [ann.socket(stack.ws_url), ben.socket(second_edge)]
    assert [socket.ready["user_id"] for socket in sockets] == [ann.user_id, ben.user_id]
    wait_for_status(client, prefix, [ann, ben], "online", timeout=60)
    stack.kill("edge")
    stack.kill("edge-2")
    # The lease, its sweep interval, and the presence projector's way from
    # chat.presence to Redis (a poll; generous on the shared CPU).
    wait_for_status(client, prefix, [ann, ben], "offline", timeout=TTL * 9 / 8 + 10)
