"""One rung of the ladder: messages sent on a fixed schedule (open loop),
each timed from its scheduled send to its receipt by every recipient."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection

from benchmarks.openloop import cpu, redis_ops, stats
from benchmarks.openloop.sockets import send

DRAIN_SECONDS = 10.0


@dataclass
class Sender:
    socket: ClientConnection
    conversation_id: str


@dataclass
class Recorder:
    """Receipts of the messages of one rung, by client_msg_id."""

    recipients: int
    scheduled: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    received: int = 0
    by_user: Counter[str] = field(default_factory=Counter)
    by_message: Counter[str] = field(default_factory=Counter)

    def on_frame(self, user_id: str, frame: dict[str, Any], at: float) -> None:
        kind = frame.get("type")
        if kind == "message" and frame.get("sender_id") != user_id:
            due = self.scheduled.get(frame.get("client_msg_id", ""))
            if due is not None:
                self.latencies.append(at - due)
                self.received += 1
                self.by_user[user_id] += 1
                self.by_message[frame["client_msg_id"]] += 1
        elif kind == "sent":
            due = self.scheduled.get(frame.get("client_msg_id", ""))
            if due is not None:
                self.acks.append(at - due)

    @property
    def expected(self) -> int:
        return len(self.scheduled) * self.recipients

    def shortfall(self) -> dict[str, int]:
        """Where losses are: messages some recipient missed, and recipients
        (among those who got anything) who missed some."""
        most = max(self.by_user.values(), default=0)
        return {
            "messages_incomplete": sum(
                1 for cmid in self.scheduled if self.by_message[cmid] < self.recipients
            ),
            "recipients_short": sum(1 for n in self.by_user.values() if n < most),
            "recipients_heard": len(self.by_user),
        }

    def clear(self) -> None:
        self.scheduled.clear()
        self.latencies.clear()
        self.acks.clear()
        self.received = 0
        self.by_user.clear()
        self.by_message.clear()


async def rung(
    senders: list[Sender],
    recorder: Recorder,
    rate: float,
    seconds: float,
    tag: str,
    roles: dict[str, int],
    body: str,
    redis_url: str | None = None,
) -> dict[str, Any]:
    """Sends ``rate * seconds`` messages round-robin over the senders."""
    count = max(1, int(rate * seconds))
    lags: list[float] = []
    calls_before = redis_ops.calls(redis_url) if redis_url else {}
    before = cpu.sample(roles)
    started = time.monotonic()
    start = started + 0.2
    for number in range(count):
        due = start + number / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(max(0.0, time.monotonic() - due))
        client_msg_id = f"{tag}-{number}"
        recorder.scheduled[client_msg_id] = due
        sender = senders[number % len(senders)]
        frame = {
            "type": "send",
            "conversation_id": sender.conversation_id,
            "client_msg_id": client_msg_id,
            "body": body,
        }
        await send(sender.socket, frame)
    sent_for = time.monotonic() - started
    deadline = time.monotonic() + DRAIN_SECONDS
    while recorder.received < recorder.expected and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    wall = time.monotonic() - started
    after = cpu.sample(roles)
    redis_calls = redis_ops.delta(calls_before, redis_ops.calls(redis_url)) if redis_url else {}
    return {
        "offered_per_s": rate,
        "messages": count,
        "send_seconds": round(sent_for, 2),
        "deliveries_expected": recorder.expected,
        "delivered": recorder.received,
        "lost": recorder.expected - recorder.received,
        **({"shortfall": recorder.shortfall()} if recorder.received < recorder.expected else {}),
        "latency_ms": stats.summary(recorder.latencies),
        "sent_ms": stats.summary(recorder.acks),
        "generator_lag_ms": stats.summary(lags),
        "cpu_percent": cpu.usage(before, after, wall),
        "cpu_seconds": cpu.spent(before, after),
        "cpu_ms_per_message": cpu.per_message_ms(cpu.spent(before, after), count),
        "wall_seconds": round(wall, 2),
        **({"redis_calls": redis_calls} if redis_url else {}),
        **(
            {"redis_calls_per_message": round(sum(redis_calls.values()) / count, 2)}
            if redis_url
            else {}
        ),
    }
