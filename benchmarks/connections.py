"""Memory per open socket on the edge (real stack): how many connections a GiB holds.

Registers USERS users, opens SOCKETS sockets spread over them (authenticated,
idle, answering pings), and reads the edge process's resident memory before
and after. Loopback only; bounded.

    .venv/bin/python -m benchmarks.connections [--sockets 2000] [--users 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import websockets

from benchmarks.throughput import stack_env
from tests.e2e.client import User, unique_handle
from tests.e2e.processes import Stack


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def open_sockets(url: str, tokens: list[str], count: int) -> list[Any]:
    sockets = []
    for number in range(count):
        socket = await websockets.connect(url, max_size=2**20)
        await socket.send(json.dumps({"type": "auth", "token": tokens[number % len(tokens)]}))
        while json.loads(await socket.recv())["type"] != "ready":
            pass
        sockets.append(socket)
    return sockets


async def measure(stack: Stack, sockets: int, users: int) -> dict[str, Any]:
    tokens = [User(stack.base_url, unique_handle("c")).token for _ in range(users)]
    pid = stack.processes["edge"].pid
    await asyncio.sleep(1)  # let start-up allocations settle before the baseline
    before = resident_kib(pid)
    opened = await open_sockets(stack.ws_url, tokens, sockets)
    await asyncio.sleep(2)
    after = resident_kib(pid)
    for socket in opened:
        await socket.close()
    per_socket = (after - before) / sockets
    return {
        "sockets": sockets,
        "edge_rss_before_mib": round(before / 1024, 1),
        "edge_rss_after_mib": round(after / 1024, 1),
        "kib_per_socket": round(per_socket, 1),
        "sockets_per_gib": int(1024 * 1024 / per_socket) if per_socket > 0 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    env = {**stack_env(embedded=False), "CHAT_MAX_SOCKETS_PER_USER": "1000"}
    with tempfile.TemporaryDirectory() as logs:
        stack = Stack(env, Path(logs))
        stack.start_all()
        try:
            result = asyncio.run(measure(stack, args.sockets, args.users))
        finally:
            stack.stop_all()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
