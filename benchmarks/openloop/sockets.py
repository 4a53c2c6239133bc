"""Authenticated sockets for the generator, and a reader per socket that
timestamps every frame it is waiting for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
from websockets.asyncio.client import ClientConnection, connect

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode

OnFrame = Callable[[dict[str, Any], float], None]


async def open_socket(ws_url: str, token: str) -> ClientConnection:
    socket = await connect(ws_url, max_size=2**22, open_timeout=60, ping_interval=None)
    await socket.send(_encode({"type": "auth", "token": token}), text=True)
    while _decode(await socket.recv())["type"] != "ready":
        pass
    return socket


async def read_frames(socket: ClientConnection, on_frame: OnFrame) -> None:
    """Calls ``on_frame(frame, monotonic receive time)`` until the socket closes."""
    async for raw in socket:
        on_frame(_decode(raw), time.monotonic())


async def send(socket: ClientConnection, frame: dict[str, Any]) -> None:
    await socket.send(_encode(frame), text=True)


async def discovered(base_url: str, token: str) -> str:
    """The socket URL ``GET /v1/edge`` gives this user."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, timeout=60, headers=headers) as http:
        answer = await http.get("/v1/edge")
        answer.raise_for_status()
        ws_url: str = answer.json()["ws_url"]
        return ws_url


async def open_many(
    ws_url: str, tokens: list[str], concurrency: int = 50, follow: str | None = None
) -> list[ClientConnection]:
    """With ``follow`` (a base URL), each socket goes where discovery says."""
    limit = asyncio.Semaphore(concurrency)

    async def one(token: str) -> ClientConnection:
        async with limit:
            url = await discovered(follow, token) if follow else ws_url
            return await open_socket(url, token)

    return list(await asyncio.gather(*(one(token) for token in tokens)))
