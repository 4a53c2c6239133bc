"""In-memory presence: socket leases (edge) and the presence view (projector)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from commands.presence import ExpiredUser, SocketCapReached
from domain.presence import PresenceChanged, PresenceState, newer


class InMemoryPresenceLeases:
    def __init__(self) -> None:
        self._leases: dict[str, dict[str, datetime]] = {}
        self._transitions: dict[str, datetime] = {}

    def _live(self, user_id: str, now: datetime) -> dict[str, datetime]:
        leases = self._leases.get(user_id, {})
        return {lease: until for lease, until in leases.items() if until > now}

    def _transition(self, user_id: str, at: datetime) -> datetime:
        """``at``, or just after the user's previous transition if that is later."""
        previous = self._transitions.get(user_id)
        if previous is not None and at <= previous:
            at = previous + timedelta(milliseconds=1)
        self._transitions[user_id] = at
        return at

    async def acquire(
        self, user_id: str, lease_id: str, now: datetime, ttl: float, cap: int = 0
    ) -> datetime | None:
        live = self._live(user_id, now)
        if 0 < cap <= len(live) and lease_id not in live:
            raise SocketCapReached(f"{len(live)} sockets open")
        came_online = not live
        live[lease_id] = now + timedelta(seconds=ttl)
        self._leases[user_id] = live
        return self._transition(user_id, now) if came_online else None

    async def live(self, user_id: str, now: datetime) -> int:
        return len(self._live(user_id, now))

    async def release(self, user_id: str, lease_id: str, now: datetime) -> datetime | None:
        leases = self._leases.get(user_id, {})
        if leases.pop(lease_id, None) is None:
            return None
        live = self._live(user_id, now)
        if live:
            self._leases[user_id] = live
            return None
        self._leases.pop(user_id, None)
        return self._transition(user_id, now)

    async def sweep(self, now: datetime, ttl: float, limit: int) -> list[ExpiredUser]:
        expired: list[ExpiredUser] = []
        for user_id, leases in list(self._leases.items()):
            if len(expired) >= limit:
                break
            if all(until <= now for until in leases.values()):
                last_heartbeat = max(leases.values()) - timedelta(seconds=ttl)
                expired.append(ExpiredUser(user_id, self._transition(user_id, last_heartbeat)))
                del self._leases[user_id]
        return expired


class InMemoryPresenceView:
    """Presence state per user and the log offset per partition, applied together."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, PresenceState] = {}
        self._offsets: dict[int, int] = {}

    def apply(self, change: PresenceChanged, partition: int, offset: int) -> bool:
        with self._lock:
            if self._offsets.get(partition, -1) >= offset:
                return False
            self._offsets[partition] = offset
            if not newer(self._states.get(change.user_id), change):
                return False
            self._states[change.user_id] = PresenceState(change.status, change.at)
            return True

    def start_offset(self, partition: int) -> int:
        with self._lock:
            return self._offsets.get(partition, -1) + 1

    async def presence(self, user_id: str) -> PresenceState | None:
        return self.current(user_id)

    async def presence_of_many(self, user_ids: Sequence[str]) -> dict[str, PresenceState]:
        with self._lock:
            return {user: self._states[user] for user in user_ids if user in self._states}

    def current(self, user_id: str) -> PresenceState | None:
        """The same read, from a thread (the notifier)."""
        with self._lock:
            return self._states.get(user_id)
