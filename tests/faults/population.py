"""The users and conversations of a run: pairs in direct conversations and
groups of five drawn from everyone, created over the HTTP API."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from tests.faults.clients import Account

PASSWORD = "fault suite password"
GROUP_SIZE = 5


@dataclass
class Population:
    accounts: list[Account]
    # conversation id -> its members' user ids
    members: dict[str, list[str]] = field(default_factory=dict)
    # the direct conversation a slow reader is fed through: (fast user, slow user, id)
    firehose: tuple[Account, Account, str] | None = None

    def conversations_of(self, user_id: str) -> list[str]:
        return [c for c, users in self.members.items() if user_id in users]

    def contact_of(self, user_id: str) -> Account:
        """Someone who shares a conversation with the user (to ask its presence)."""
        for users in self.members.values():
            if user_id in users:
                other = next(u for u in users if u != user_id)
                return next(a for a in self.accounts if a.user_id == other)
        raise LookupError(user_id)


async def populate(base_url: str, users: int, rng: random.Random) -> Population:
    """``users`` accounts (an even number, at least 6), every pair of
    neighbours in a direct conversation, and one group of five for every
    three users; the first pair feeds the slow reader."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        limit = asyncio.Semaphore(4)
        accounts = list(await asyncio.gather(*(_account(http, limit) for _ in range(users))))
        population = Population(accounts)
        for first, second in zip(accounts[::2], accounts[1::2], strict=True):
            body: dict[str, object] = {"kind": "direct", "peer_id": second.user_id}
            chat = await _create(http, first, body)
            population.members[chat] = [first.user_id, second.user_id]
        for _ in range(max(1, users // 3)):
            creator, *others = rng.sample(accounts, GROUP_SIZE)
            body = {"kind": "group", "title": "crew", "member_ids": [o.user_id for o in others]}
            group = await _create(http, creator, body)
            population.members[group] = [creator.user_id, *(o.user_id for o in others)]
        first_chat = next(iter(population.members))
        population.firehose = (accounts[0], accounts[1], first_chat)
        return population


async def _account(http: httpx.AsyncClient, limit: asyncio.Semaphore) -> Account:
    handle = f"u{uuid.uuid4().hex[:12]}"
    body = {"handle": handle, "password": PASSWORD}
    async with limit:
        created = await http.post("/v1/users", json=body)
        created.raise_for_status()
        login = await http.post("/v1/sessions", json=body)
        login.raise_for_status()
    return Account(created.json()["user_id"], handle, login.json()["token"])


async def _create(http: httpx.AsyncClient, owner: Account, body: Mapping[str, object]) -> str:
    headers = {"Authorization": f"Bearer {owner.token}"}
    answer = await http.post("/v1/conversations", json=body, headers=headers)
    answer.raise_for_status()
    conversation_id: str = answer.json()["conversation_id"]
    async with asyncio.timeout(60):
        while (
            await http.get(f"/v1/conversations/{conversation_id}", headers=headers)
        ).status_code != 200:
            await asyncio.sleep(0.1)
    return conversation_id
