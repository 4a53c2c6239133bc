"""A store that fails while a socket is being opened: the socket is closed
with 1013 (try again later), never dropped without a close frame, and
another user's socket opens as usual."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.edge import EdgeAdapters, create_app
from app.embedded import embedded_edge
from app.settings import Settings
from commands.accounts import AccountStore
from commands.presence import PresenceLeases
from tests.integration.edge_app import Account, register
from ws_edge.ports import Deliver, FanoutSubscriber

TRY_AGAIN_LATER = 1013


class RedisDown(ConnectionError):
    """What a Redis client raises while its master fails over."""


class Failing:
    """The users whose calls fail; the rest pass through (but the session
    store, read by token, fails for everyone while anyone is listed)."""

    def __init__(self) -> None:
        self.users: set[str] = set()

    def check(self, user_id: str) -> None:
        if user_id in self.users:
            raise RedisDown("connection refused")


class LeasesFailingFor:
    def __init__(self, inner: PresenceLeases, failing: Failing) -> None:
        self._inner, self._failing = inner, failing

    async def acquire(
        self, user_id: str, lease_id: str, now: datetime, ttl: float, cap: int = 0
    ) -> datetime | None:
        self._failing.check(user_id)
        return await self._inner.acquire(user_id, lease_id, now, ttl, cap)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class FanoutFailingFor:
    def __init__(self, inner: FanoutSubscriber, failing: Failing) -> None:
        self._inner, self._failing = inner, failing

    async def subscribe(self, user_id: str, deliver: Deliver) -> None:
        self._failing.check(user_id)
        await self._inner.subscribe(user_id, deliver)

    async def broadcast(self, user_ids: Sequence[str], frame: Mapping[str, Any]) -> None:
        await self._inner.broadcast(user_ids, frame)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class AccountsFailingFor:
    def __init__(self, inner: AccountStore, failing: Failing) -> None:
        self._inner, self._failing = inner, failing

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name != "session":
            return found

        async def session(token_hash: str) -> Any:
            if self._failing.users:
                raise RedisDown("connection refused")
            return await found(token_hash)

        return session


@contextmanager
def edge_failing(wrap: str) -> Iterator[tuple[TestClient, Failing]]:
    failing = Failing()

    @asynccontextmanager
    async def adapters(settings: Settings) -> AsyncIterator[EdgeAdapters]:
        async with embedded_edge(settings) as real:
            if wrap == "leases":
                yield replace(real, presence_leases=LeasesFailingFor(real.presence_leases, failing))
            elif wrap == "fanout":
                yield replace(real, fanout=FanoutFailingFor(real.fanout, failing))
            else:
                yield replace(real, account_store=AccountsFailingFor(real.account_store, failing))

    settings = Settings(worker_id=1, partitions=4, login_attempts_per_minute=6000)
    with TestClient(create_app(settings, adapters)) as client:
        yield client, failing


def close_code_of(client: TestClient, user: Account) -> int:
    with (
        client.websocket_connect("/v1/ws", headers=user.auth) as socket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        while True:
            socket.receive_json()
    return closed.value.code


def opens(client: TestClient, user: Account) -> bool:
    with client.websocket_connect("/v1/ws", headers=user.auth) as socket:
        ready: dict[str, Any] = socket.receive_json()
    return bool(ready["type"] == "ready")


def test_a_socket_whose_lease_cannot_be_taken_is_closed_with_1013() -> None:
    with edge_failing("leases") as (client, failing):
        user = register(client)
        failing.users.add(user.user_id)
        assert close_code_of(client, user) == TRY_AGAIN_LATER


def test_a_socket_whose_frames_cannot_be_subscribed_is_closed_with_1013() -> None:
    with edge_failing("fanout") as (client, failing):
        user = register(client)
        failing.users.add(user.user_id)
        assert close_code_of(client, user) == TRY_AGAIN_LATER


def test_a_socket_whose_session_cannot_be_read_is_closed_with_1013() -> None:
    with edge_failing("accounts") as (client, failing):
        user = register(client)
        failing.users.add(user.user_id)
        assert close_code_of(client, user) == TRY_AGAIN_LATER


def test_another_users_socket_opens_while_one_users_lease_fails() -> None:
    with edge_failing("leases") as (client, failing):
        unlucky, other = register(client), register(client)
        failing.users.add(unlucky.user_id)
        close_code_of(client, unlucky)
        assert opens(client, other)


def test_a_socket_opens_once_the_lease_store_is_back() -> None:
    with edge_failing("leases") as (client, failing):
        user = register(client)
        failing.users.add(user.user_id)
        close_code_of(client, user)
        failing.users.clear()
        assert opens(client, user)
