"""Users, sessions and conversations for a benchmark, over the HTTP API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

PASSWORD = "benchmark password"


@dataclass(frozen=True)
class Member:
    user_id: str
    token: str


async def members(base_url: str, count: int, concurrency: int = 8) -> list[Member]:
    """Registers and logs in ``count`` users (password hashing dominates)."""
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:

        async def one() -> Member:
            handle = f"b{uuid.uuid4().hex[:12]}"
            async with limit:
                body = {"handle": handle, "password": PASSWORD}
                created = await http.post("/v1/users", json=body)
                created.raise_for_status()
                login = await http.post("/v1/sessions", json=body)
                login.raise_for_status()
            return Member(created.json()["user_id"], login.json()["token"])

        return list(await asyncio.gather(*(one() for _ in range(count))))


async def direct(base_url: str, first: Member, second: Member) -> str:
    body = {"kind": "direct", "peer_id": second.user_id}
    return await _create(base_url, first, body)


async def group(base_url: str, creator: Member, others: list[Member]) -> str:
    body = {"kind": "group", "title": "bench", "member_ids": [m.user_id for m in others]}
    return await _create(base_url, creator, body)


async def _create(base_url: str, owner: Member, body: Mapping[str, object]) -> str:
    headers = {"Authorization": f"Bearer {owner.token}"}
    async with httpx.AsyncClient(base_url=base_url, timeout=60, headers=headers) as http:
        answer = await http.post("/v1/conversations", json=body)
        answer.raise_for_status()
        conversation_id: str = answer.json()["conversation_id"]
        while (await http.get(f"/v1/conversations/{conversation_id}")).status_code != 200:
            await asyncio.sleep(0.05)
        return conversation_id
