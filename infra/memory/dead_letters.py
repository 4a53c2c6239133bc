"""The dead-letter topic on the in-memory log."""

from __future__ import annotations

from domain.records import OutgoingRecord
from infra.memory.log import InMemoryLog


class InMemoryDeadLetters:
    def __init__(self, log: InMemoryLog, topic: str = "chat.parked") -> None:
        self._log = log
        self._topic = topic

    def park(self, record: OutgoingRecord) -> None:
        self._log.append(self._topic, record)
