"""When a fault's effects are over: every message acknowledged before the
system was whole again has reached every member's client (pushed, or
fetched by ``sync``). The injector waits for this before the next fault,
so that each fault is measured on its own and none starts while the
previous one's backlog is still being delivered."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from tests.faults.journal import Journal, now

POLL_S = 0.2


def undelivered(
    journal: Journal, members: Mapping[str, Sequence[str]], acked_before: float
) -> set[tuple[str, str, str]]:
    """(member, conversation, message_id) for every message acknowledged by
    ``acked_before`` that the member's client has not applied yet."""
    seen = {
        (user_id, conversation_id): {s.message_id for s in sightings}
        for (user_id, conversation_id), sightings in journal.seen.items()
    }
    return {
        (member, record.conversation_id, record.message_id)
        for record in journal.acked()
        if record.acked_at is not None
        and record.acked_at <= acked_before
        and record.message_id is not None
        for member in members.get(record.conversation_id, ())
        if record.message_id not in seen.get((member, record.conversation_id), set())
    }


async def wait_caught_up(
    journal: Journal,
    members: Mapping[str, Sequence[str]],
    acked_before: float,
    timeout_s: float,
) -> int:
    """Waits until every message acknowledged by ``acked_before`` reached
    every member's client, or ``timeout_s``; returns how many (member,
    message) pairs were still missing (0: caught up). Runs on the clients'
    loop, which is what fills the journal."""
    deadline = now() + timeout_s
    while True:
        missing = undelivered(journal, members, acked_before)
        if not missing or now() >= deadline:
            return len(missing)
        await asyncio.sleep(POLL_S)


def flood_timing(
    journal: Journal, user_id: str, conversation_id: str, since: float, prefix: str = "flood-"
) -> str:
    """When the flood's messages were acknowledged and when they reached
    ``user_id``'s client, in seconds after ``since``."""
    records = [
        r
        for r in journal.acked()
        if r.conversation_id == conversation_id and r.client_msg_id.startswith(prefix)
    ]
    acks = sorted(r.acked_at - since for r in records if r.acked_at is not None)
    ids = {r.message_id for r in records}
    sightings = journal.seen.get((user_id, conversation_id), [])
    arrivals = sorted(s.at - since for s in sightings if s.message_id in ids)
    if not acks:
        return "none acknowledged"
    shown = f"acknowledged {acks[0]:.1f} to {acks[-1]:.1f} s"
    if not arrivals:
        return f"{shown}, none at the user's reading socket yet"
    return (
        f"{shown}, {len(arrivals)} at the user's reading socket "
        f"{arrivals[0]:.1f} to {arrivals[-1]:.1f} s"
    )
