"""What the clients send: each one a unique message now and then into one
of its conversations (its next only once the last was acknowledged, as a
chat app's outbox does), and a flood for the slow-reader fault."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import uuid

from tests.faults.clients import ChatClient

# Big enough that the flood outgrows the kernel's and the transport's
# buffers of the slow socket, so that the edge's own send queue fills.
FLOOD_BODY_BYTES = 15000


def unique_id(client: ChatClient, number: int) -> str:
    return f"{client.account.handle}-{number}-{uuid.uuid4().hex[:8]}"


async def keep_sending(
    client: ChatClient, stop: asyncio.Event, interval_s: float, rng: random.Random
) -> None:
    """Until ``stop``: a message every ``interval_s`` (jittered), each resent
    until acknowledged; a send under way when ``stop`` comes is finished."""
    for number in itertools.count():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s * rng.uniform(0.5, 1.5))
        if stop.is_set():
            return
        conversation_id = rng.choice(client.conversations)
        client_msg_id = unique_id(client, number)
        await client.send_until_acked(conversation_id, client_msg_id, f"body {client_msg_id}")


async def flood(client: ChatClient, conversation_id: str, count: int, at_once: int) -> None:
    """``count`` messages into one conversation, ``at_once`` in flight."""
    limit = asyncio.Semaphore(at_once)

    async def one(number: int) -> None:
        async with limit:
            client_msg_id = f"flood-{unique_id(client, number)}"
            body = f"flood {number} " + "x" * FLOOD_BODY_BYTES
            await client.send_until_acked(conversation_id, client_msg_id, body)

    await asyncio.gather(*(one(n) for n in range(count)))
