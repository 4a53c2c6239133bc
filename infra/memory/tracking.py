"""Tracking positions in memory: the largest notification id per
application name, each new one above the last (eventsourcing's
TrackingRecorder contract). Not thread-safe: its owner holds the lock."""

from __future__ import annotations

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder


class InMemoryTracking(TrackingRecorder):
    def __init__(self) -> None:
        self._positions: dict[str, int] = {}

    def check(self, tracking: Tracking) -> None:
        """Raises IntegrityError unless the position is newer than the last."""
        last = self._positions.get(tracking.application_name)
        if last is not None and tracking.notification_id <= last:
            raise IntegrityError(f"{tracking} is not after {last}")

    def insert_tracking(self, tracking: Tracking) -> None:
        self.check(tracking)
        self._positions[tracking.application_name] = tracking.notification_id

    def max_tracking_id(self, application_name: str) -> int | None:
        return self._positions.get(application_name)
