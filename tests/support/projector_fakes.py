"""Stand-ins for a projector's feed and fan-out in tests."""

from __future__ import annotations

from collections.abc import Sequence

from domain.records import LogRecord
from projections.ports import Push


class NoPushes:
    def publish(self, push: Push) -> None:
        return None

    def publish_all(self, pushes: Sequence[Push]) -> None:
        return None


class ListFeed:
    """Hands out the given records at the first poll, then nothing."""

    def __init__(self, records: Sequence[LogRecord]) -> None:
        self._records = list(records)

    def poll(self, timeout: float) -> list[LogRecord]:
        records, self._records = self._records, []
        return records

    def backlog(self) -> int:
        return 0

    def close(self) -> None:
        return None
