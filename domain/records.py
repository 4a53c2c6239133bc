"""Log records: what the event codec and the edge append to a topic, and
what the log hands back. Plain values, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutgoingRecord:
    """A record to append; its key (a conversation or user id) picks the partition."""

    key: str
    value: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LogRecord:
    """A record read from one partition of a topic."""

    partition: int
    offset: int
    key: str
    value: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
