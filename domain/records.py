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


PARKED_ERROR_CHARS = 1000
COMMANDS_LOG = "chat.commands"
EVENTS_LOG = "chat.events"
"""The logs a parked record comes from, by their names without the
deployment's topic prefix."""


def parked_record(record: LogRecord, log: str, error: str) -> OutgoingRecord:
    """The copy of a record that could not be decoded or applied, for the
    dead-letter topic: its key, value and headers as they were, and where it
    came from (``log``: COMMANDS_LOG or EVENTS_LOG, its partition and
    offset) and why it was parked (``parked_*`` headers)."""
    headers = dict(record.headers)
    headers.update(
        parked_log=log,
        parked_partition=str(record.partition),
        parked_offset=str(record.offset),
        parked_error=error[:PARKED_ERROR_CHARS],
    )
    return OutgoingRecord(record.key, record.value, headers)
