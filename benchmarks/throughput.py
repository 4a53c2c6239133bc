"""Send throughput and latency on the real stack (or the embedded one).

Starts the roles as processes (as the end-to-end tests do), registers
PAIRS pairs of users, and has one user of each pair send MESSAGES messages
over a socket, one after another (each waits for its ``sent``), while its
peer receives. Reports sends/s, and the ack (``sent``) and delivery (push to
the peer) latencies. Bounded in count and time; loopback only.

    .venv/bin/python -m benchmarks.throughput [--pairs 20] [--messages 100] [--embedded]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import websockets

from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack

TIME_LIMIT = 300.0


def stack_env(embedded: bool) -> dict[str, str]:
    limits = {
        "CHAT_SEND_RATE_PER_SECOND": "100000",
        "CHAT_SEND_BURST": "100000",
        "CHAT_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
    }
    if embedded:
        return limits
    name = f"bench{uuid.uuid4().hex[:8]}"
    return {
        **limits,
        "CHAT_KAFKA_BOOTSTRAP": "127.0.0.1:9092",
        "CHAT_POSTGRES_DSN": "postgresql://chat:chat@127.0.0.1:5432/chat_test",
        "CHAT_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CHAT_TOPIC_PREFIX": f"{name}.",
        "CHAT_CONSUMER_GROUP_PREFIX": name,
        "CHAT_PG_SCHEMA": name,
        "CHAT_REDIS_PREFIX": f"{name}:",
        "CHAT_PARTITIONS": "8",
    }


async def open_socket(url: str, token: str) -> Any:
    socket = await websockets.connect(url, max_size=2**20)
    await socket.send(json.dumps({"type": "auth", "token": token}))
    while json.loads(await socket.recv())["type"] != "ready":
        pass
    return socket


async def run_pair(
    url: str, sender: User, receiver: User, chat: str, count: int
) -> tuple[list[float], list[float], float]:
    out, inbox = await open_socket(url, sender.token), await open_socket(url, receiver.token)
    sent_at: dict[int, float] = {}
    acked: dict[int, asyncio.Future[float]] = {}
    deliveries: list[float] = []

    async def receive() -> None:
        while len(deliveries) < count:
            frame = json.loads(await inbox.recv())
            if frame["type"] == "message":
                deliveries.append(time.perf_counter() - sent_at[frame["seq"]])

    async def read_acks() -> None:
        """Reads everything the sender's socket gets (its own pushes too)."""
        async for raw in out:
            frame = json.loads(raw)
            if frame.get("id") in acked and not acked[frame["id"]].done():
                acked[frame["id"]].set_result(time.perf_counter())

    receiving = asyncio.create_task(receive())
    reading = asyncio.create_task(read_acks())
    first = time.perf_counter()
    acks: list[float] = []
    for seq in range(1, count + 1):
        acked[seq] = asyncio.get_running_loop().create_future()
        sent_at[seq] = started = time.perf_counter()
        frame = {
            "type": "send",
            "id": seq,
            "conversation_id": chat,
            "client_msg_id": f"b{seq}",
            "body": "x" * 100,
        }
        await out.send(json.dumps(frame))
        acks.append(await acked[seq] - started)
    sending = time.perf_counter() - first
    await asyncio.wait_for(receiving, TIME_LIMIT)
    await inbox.close()
    await out.close()
    await reading
    return acks, deliveries, sending


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def measure(stack: Stack, pairs: int, messages: int) -> dict[str, Any]:
    users = [
        (User(stack.base_url, unique_handle("s")), User(stack.base_url, unique_handle("r")))
        for _ in range(pairs)
    ]
    chats = [sender.start_direct(receiver) for sender, receiver in users]
    started = time.perf_counter()
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                run_pair(stack.ws_url, s, r, c, messages)
                for (s, r), c in zip(users, chats, strict=True)
            )
        ),
        TIME_LIMIT,
    )
    elapsed = time.perf_counter() - started
    acks = [a for pair_acks, _, _ in results for a in pair_acks]
    deliveries = [d for _, pair_deliveries, _ in results for d in pair_deliveries]
    sending = max(seconds for _, _, seconds in results)
    return {
        "pairs": pairs,
        "messages": pairs * messages,
        "seconds": round(elapsed, 2),
        "acked_all_after_seconds": round(sending, 2),
        "sends_per_second": round(pairs * messages / elapsed, 1),
        "ack_ms": {
            "p50": round(percentile(acks, 0.5), 1),
            "p99": round(percentile(acks, 0.99), 1),
            "mean": round(statistics.mean(acks) * 1000, 1),
        },
        "delivery_ms": {
            "p50": round(percentile(deliveries, 0.5), 1),
            "p99": round(percentile(deliveries, 0.99), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--embedded", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs:
        stack = Stack(stack_env(args.embedded), Path(logs))
        if args.embedded:
            stack.start("serve")
        else:
            stack.start_all()
        try:
            result = asyncio.run(measure(stack, args.pairs, args.messages))
        finally:
            stack.stop_all()
    result["mode"] = "embedded" if args.embedded else "real stack (Kafka, PostgreSQL, Redis)"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
