"""The end of a run: the clients catch up (``sync``) until each has every
message of its conversations, then every check of ``checks`` and the
presence check (everyone connected -> online; everyone gone -> offline)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import cast

import httpx
import redis

from app.settings import Settings
from infra.redis import keys
from tests.faults.checks import (
    Verdict,
    check_messages,
    check_readers,
    check_receipts_and_unread,
    histories,
    rebuild_and_compare,
    rebuilt_members,
)
from tests.faults.clients import ChatClient
from tests.faults.fleet import Fleet
from tests.faults.journal import Journal
from tests.faults.population import Population

CATCH_UP_S = 120.0
PRESENCE_S = 60.0


async def check_everything(
    fleet: Fleet, population: Population, clients: dict[str, ChatClient], journal: Journal
) -> Verdict:
    base_url = fleet.base_urls[0]
    verdict = Verdict()
    found = await catch_up(base_url, population, clients, journal)
    check_messages(journal, found, verdict)
    check_readers(journal, population, found, verdict)
    verdict.presence += await presence_settles(base_url, population, "online")
    settings = Settings.from_env(fleet.env)
    target, differences = await asyncio.to_thread(rebuild_and_compare, fleet.env)
    verdict.rebuild += differences
    rebuilt = rebuilt_members(settings.postgres_dsn, target)
    await check_receipts_and_unread(base_url, population, journal, rebuilt, verdict)
    for client in clients.values():
        await client.close()
    verdict.presence += await presence_settles(base_url, population, "offline")
    if verdict.presence:
        users = [a.user_id for a in population.accounts if a.handle in str(verdict.presence)]
        verdict.presence += presence_evidence(fleet.env, users)
    return verdict


async def catch_up(
    base_url: str, population: Population, clients: dict[str, ChatClient], journal: Journal
) -> dict[str, list[dict[str, object]]]:
    """History once every acknowledged message is in it and every client
    has applied all of it (each behind one syncs again); at the deadline,
    what there is (the checks then say what is missing)."""
    deadline = time.monotonic() + CATCH_UP_S
    while True:
        found = await histories(base_url, population)
        stored = {(c, m["client_msg_id"]) for c, ms in found.items() for m in ms}
        missing = [r for r in journal.acked() if (r.conversation_id, r.client_msg_id) not in stored]
        behind = [
            client
            for client in clients.values()
            if any(client.cursors[c] < len(found[c]) for c in client.conversations)
        ]
        if (not missing and not behind) or time.monotonic() > deadline:
            return found
        for client in behind:
            with contextlib.suppress(TimeoutError):
                await client.synced(timeout=10)
        await asyncio.sleep(0.5)


async def presence_settles(base_url: str, population: Population, status: str) -> list[str]:
    """Everyone's presence, as a contact asks it, until all are ``status``;
    those still not so at the deadline."""
    deadline = time.monotonic() + PRESENCE_S
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        while True:
            wrong = []
            for account in population.accounts:
                contact = population.contact_of(account.user_id)
                answer = await http.get(
                    f"/v1/users/{account.user_id}/presence",
                    headers={"Authorization": f"Bearer {contact.token}"},
                )
                if answer.status_code != 200 or answer.json()["status"] != status:
                    wrong.append(
                        f"{account.handle}: {answer.status_code} {answer.text}, not {status}"
                    )
            if not wrong or time.monotonic() > deadline:
                return wrong
            await asyncio.sleep(0.5)


def presence_evidence(env: dict[str, str], user_ids: list[str]) -> list[str]:
    """What Redis holds for users whose presence did not settle: their
    leases (expiry in ms from now), the sweeper's entry, the view's state."""
    settings = Settings.from_env(env)
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    p = settings.redis_prefix
    try:
        now_ms = int(time.time() * 1000)
        found = []
        for user in user_ids:
            leases = cast(
                "list[tuple[str, float]]",
                client.zrange(keys.leases_key(p, user), 0, -1, withscores=True),
            )
            swept = client.zscore(keys.user_index_key(p, user), user)
            state = client.hgetall(keys.state_key(p, user))
            found.append(
                f"{user}: leases {[(lease, int(at) - now_ms) for lease, at in leases]}, "
                f"sweeper {None if swept is None else int(swept) - now_ms}, state {state}"
            )
        return found
    finally:
        client.close()
