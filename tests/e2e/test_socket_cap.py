"""The per-user socket cap holds when many sockets of one user connect at
once, over two edges of the real stack."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack

CAP = 3
SOCKETS = 16


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"CHAT_MAX_SOCKETS_PER_USER": str(CAP)}


async def connect_one(url: str, token: str) -> tuple[str, object]:
    """``("ready", socket)`` kept open, or ``("closed", code)``."""
    socket = await websockets.connect(url, open_timeout=30)
    await socket.send(json.dumps({"type": "auth", "token": token}))
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 30))
            if frame["type"] == "ready":
                return "ready", socket
    except ConnectionClosed as closed:
        return "closed", closed.rcvd.code if closed.rcvd else None


async def connect_all(urls: list[str], token: str) -> list[tuple[str, object]]:
    results = await asyncio.gather(
        *(connect_one(urls[n % len(urls)], token) for n in range(SOCKETS))
    )
    for outcome, socket in results:
        if outcome == "ready":
            await socket.close()  # type: ignore[attr-defined]
    return list(results)


def test_simultaneous_connects_of_one_user_get_exactly_the_cap(stack: Stack) -> None:
    second_edge = stack.start_second_edge()
    user = User(stack.base_url, unique_handle("many"))
    results = asyncio.run(connect_all([stack.ws_url, second_edge], user.token))
    outcomes = [outcome for outcome, _ in results]
    assert outcomes.count("ready") == CAP
    assert [code for outcome, code in results if outcome == "closed"] == [4429] * (SOCKETS - CAP)
