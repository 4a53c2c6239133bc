"""What the clients did and saw, and when (``time.monotonic()``): the input
of the end checks and of the measurements."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

SLOW_ACK_S = 1.0
"""A send acknowledged later than this after its first attempt counts as a
stall (unavailability), as does one that had to be resent."""


def now() -> float:
    return time.monotonic()


@dataclass(frozen=True)
class Attempt:
    started: float
    ended: float
    outcome: str  # "sent", "error:<code>", "timeout", "closed"


@dataclass
class SendRecord:
    sender: str
    conversation_id: str
    client_msg_id: str
    first_attempt: float
    attempts: list[Attempt] = field(default_factory=list)
    acked_at: float | None = None
    message_id: str | None = None

    @property
    def stalled(self) -> bool:
        if self.acked_at is None:
            return True
        failed = any(a.outcome != "sent" for a in self.attempts)
        return failed or self.acked_at - self.first_attempt > SLOW_ACK_S


@dataclass(frozen=True)
class Sighting:
    """A client applied the message at ``seq`` (in seq order, gapless)."""

    seq: int
    message_id: str
    client_msg_id: str
    at: float


@dataclass(frozen=True)
class Outage:
    """A client's socket from its loss until the next ``ready``."""

    user_id: str
    lost_at: float
    back_at: float
    close_code: int | None


@dataclass(frozen=True)
class Fault:
    kind: str
    target: str
    started: float
    ended: float  # every process ready again ("back")
    note: str = ""
    caught_up: float | None = None  # every message acknowledged by ``ended`` delivered


@dataclass
class Marks:
    """A member's receipts: the highest ``up_to_seq`` sent and acknowledged (``ok``)."""

    delivered_sent: int = 0
    delivered_acked: int = 0
    read_sent: int = 0
    read_acked: int = 0


@dataclass
class Journal:
    sends: dict[tuple[str, str], SendRecord] = field(default_factory=dict)
    seen: dict[tuple[str, str], list[Sighting]] = field(default_factory=dict)
    outages: list[Outage] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    marks: dict[tuple[str, str], Marks] = field(default_factory=dict)
    # A client given a seq it had already applied with another message.
    inconsistencies: list[str] = field(default_factory=list)
    # What a correct server never does to a reading client (e.g. 4401, 1008).
    anomalies: list[str] = field(default_factory=list)
    frames: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=now)
    traffic_end: float = 0.0

    def begin_send(self, sender: str, conversation_id: str, client_msg_id: str) -> SendRecord:
        record = SendRecord(sender, conversation_id, client_msg_id, now())
        self.sends[(conversation_id, client_msg_id)] = record
        return record

    @property
    def acked_ids(self) -> set[str]:
        """client_msg_ids acknowledged well (5 s) before the traffic stopped."""
        return {
            r.client_msg_id
            for r in self.sends.values()
            if r.acked_at is not None and r.acked_at <= self.traffic_end - 5.0
        }

    def acked(self) -> list[SendRecord]:
        return [r for r in self.sends.values() if r.message_id is not None]

    def sightings(self, user_id: str, conversation_id: str) -> list[Sighting]:
        return self.seen.setdefault((user_id, conversation_id), [])

    def marks_of(self, user_id: str, conversation_id: str) -> Marks:
        return self.marks.setdefault((user_id, conversation_id), Marks())

    def refusals(self) -> Counter[str]:
        return Counter(
            attempt.outcome
            for record in self.sends.values()
            for attempt in record.attempts
            if attempt.outcome != "sent"
        )
