"""The load generator: one process speaking the real protocol over real
sockets. ``python -m benchmarks.openloop.generator CONFIG_JSON`` prints one
JSON result. Scenarios: ``direct`` (pairs of users, one sender each),
``group`` (one group, some senders, every member online), ``sync`` (a
member syncs many missed messages), ``idle`` (idle sockets; the edge's
memory per socket)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

from benchmarks.openloop import population, stats
from benchmarks.openloop.openloop import Recorder, Sender, rung
from benchmarks.openloop.sockets import open_many, open_socket, read_frames, send


class Quiet:
    """When the sockets last heard anything: everyone coming online pushes
    presence to every contact (in a group of 1,000, a million frames), and
    the measured rungs start only once that has drained."""

    def __init__(self) -> None:
        self.last_frame_at = time.monotonic()

    async def settle(self, quiet_seconds: float = 1.0, limit_seconds: float = 300.0) -> None:
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() - self.last_frame_at < quiet_seconds:
            if time.monotonic() > deadline:
                raise RuntimeError("the sockets never went quiet")
            await asyncio.sleep(0.1)


def _readers(
    sockets: list[Any], user_ids: list[str], recorder: Recorder, quiet: Quiet
) -> list[asyncio.Task[None]]:
    def reader(user_id: str) -> Any:
        def on_frame(frame: dict[str, Any], at: float) -> None:
            quiet.last_frame_at = at
            recorder.on_frame(user_id, frame, at)

        return on_frame

    return [
        asyncio.create_task(read_frames(socket, reader(user_id)))
        for socket, user_id in zip(sockets, user_ids, strict=True)
    ]


async def ladder(
    config: dict[str, Any], senders: list[Sender], recorder: Recorder
) -> dict[str, Any]:
    roles = {**config["roles"], "generator": os.getpid()}
    body = "x" * config.get("body_bytes", 100)
    rungs = []
    for index, rate in enumerate(config["rates"]):
        await rung(senders, Recorder(0), rate, config.get("warmup", 2), f"w{index}", roles, body)
        recorder.clear()
        result = await rung(
            senders,
            recorder,
            rate,
            config["seconds"],
            f"r{index}",
            roles,
            body,
            config.get("redis_url"),
        )
        rungs.append(result)
        print(json.dumps({"rung": result}), file=sys.stderr, flush=True)
        if result["lost"] or result["latency_ms"]["p99"] > config["p99_limit_ms"]:
            break
    passing = [
        r for r in rungs if not r["lost"] and r["latency_ms"]["p99"] <= config["p99_limit_ms"]
    ]
    best = max((r["offered_per_s"] for r in passing), default=None)
    return {"rungs": rungs, "highest_rate_within_limits": best}


def _follow(config: dict[str, Any]) -> str | None:
    """The base URL to ask discovery (the sockets spread over the edges)."""
    return config["base_url"] if config.get("follow_discovery", True) else None


async def direct(config: dict[str, Any]) -> dict[str, Any]:
    pairs = config["pairs"]
    users = await population.members(config["base_url"], 2 * pairs)
    firsts, seconds = users[::2], users[1::2]
    chats = [
        await population.direct(config["base_url"], a, b)
        for a, b in zip(firsts, seconds, strict=True)
    ]
    sockets = await open_many(config["ws_url"], [u.token for u in users], follow=_follow(config))
    recorder, quiet = Recorder(recipients=1), Quiet()
    tasks = _readers(sockets, [u.user_id for u in users], recorder, quiet)
    await quiet.settle()
    senders = [Sender(sockets[2 * n], chat) for n, chat in enumerate(chats)]
    result = await ladder(config, senders, recorder)
    for task in tasks:
        task.cancel()
    return result


async def group(config: dict[str, Any]) -> dict[str, Any]:
    users = await population.members(config["base_url"], config["group_size"])
    conversation = await population.group(config["base_url"], users[0], users[1:])
    sockets = await open_many(config["ws_url"], [u.token for u in users], follow=_follow(config))
    recorder, quiet = Recorder(recipients=len(users) - 1), Quiet()
    tasks = _readers(sockets, [u.user_id for u in users], recorder, quiet)
    await quiet.settle()
    senders = [Sender(socket, conversation) for socket in sockets[: config["senders"]]]
    result = await ladder(config, senders, recorder)
    for task in tasks:
        task.cancel()
    return result


async def sync(config: dict[str, Any]) -> dict[str, Any]:
    """The time from a ``sync`` with cursor 0 to its ``synced``, over a
    conversation holding ``messages`` messages."""
    sender, reader = await population.members(config["base_url"], 2)
    chat = await population.direct(config["base_url"], sender, reader)
    socket = await open_socket(config["ws_url"], sender.token)
    for number in range(config["messages"]):
        frame = {
            "type": "send",
            "conversation_id": chat,
            "client_msg_id": f"s{number}",
            "body": "x" * 100,
        }
        await send(socket, frame)
    await _wait_for_history(config["base_url"], reader.token, chat, config["messages"])
    durations = []
    for repeat in range(config["repeats"]):
        syncing = await open_socket(config["ws_url"], reader.token)
        started = time.monotonic()
        await send(syncing, {"type": "sync", "id": repeat, "cursors": {chat: 0}})
        frames = 0
        async for raw in syncing:
            frames += 1
            if '"synced"' in (raw if isinstance(raw, str) else raw.decode()):
                break
        durations.append(time.monotonic() - started)
        await syncing.close()
        await asyncio.sleep(1.1)  # sync is rate-limited per user (1/s)
    return {"messages": config["messages"], "frames": frames, "sync_ms": stats.summary(durations)}


async def _wait_for_history(base_url: str, token: str, chat: str, count: int) -> None:
    import httpx

    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        while (await http.get(f"/v1/conversations/{chat}")).json().get("last_seq", 0) < count:
            await asyncio.sleep(0.1)


async def idle(config: dict[str, Any]) -> dict[str, Any]:
    users = await population.members(config["base_url"], config["users"])
    tokens = [users[n % len(users)].token for n in range(config["sockets"])]
    edge = config["roles"]["edge"]
    await asyncio.sleep(1)
    before = _resident_kib(edge)
    sockets = await open_many(config["ws_url"], tokens)
    await asyncio.sleep(3)
    after = _resident_kib(edge)
    for socket in sockets:
        await socket.close()
    per_socket = (after - before) / len(sockets)
    return {
        "sockets": len(sockets),
        "edge_rss_before_mib": round(before / 1024, 1),
        "edge_rss_after_mib": round(after / 1024, 1),
        "kib_per_socket": round(per_socket, 1),
    }


def _resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


SCENARIOS = {"direct": direct, "group": group, "sync": sync, "idle": idle}


def main() -> None:
    config = json.loads(sys.argv[1])
    result = uvloop.run(SCENARIOS[config["scenario"]](config))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
