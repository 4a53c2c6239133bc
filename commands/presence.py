"""The edge's side of presence: socket leases and PresenceChanged events.

Each open socket holds a lease that its heartbeat renews. The first lease of
a user makes them online, releasing the last makes them offline; a sweeper
turns users whose leases all expired (a dead edge) offline. Only changes of
state go on the log; heartbeats only renew leases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from commands.ports import LogPublisher
from domain.presence import OFFLINE, ONLINE, PresenceChanged, encode_presence
from domain.records import OutgoingRecord

log = logging.getLogger(__name__)
MAX_UNPUBLISHED = 100_000


@dataclass(frozen=True)
class ExpiredUser:
    user_id: str
    last_seen: datetime  # the last heartbeat of its last lease (a transition time)


class SocketCapReached(Exception):
    """The user already has as many live leases as allowed; none was taken."""


class PresenceLeases(Protocol):
    """Transition times (came online, went offline) are decided by the store,
    in the same atomic step as the transition, and each is later than the
    user's previous one: the log's order of transitions and their times agree
    even when edges race or their clocks differ."""

    async def acquire(
        self, user_id: str, lease_id: str, now: datetime, ttl: float, cap: int = 0
    ) -> datetime | None:
        """Takes or renews a lease until ``now + ttl``; if the user had no live
        lease before (came online), the time of that transition. With ``cap``
        > 0, a new lease is refused (SocketCapReached) when the user has
        ``cap`` live ones, checked and taken in one atomic step; a renewal
        never is."""
        ...

    async def live(self, user_id: str, now: datetime) -> int:
        """How many live leases (open sockets, on any edge) the user has."""
        ...

    async def release(self, user_id: str, lease_id: str, now: datetime) -> datetime | None:
        """Drops a lease; if no live lease is left (went offline), the time of that."""
        ...

    async def sweep(self, now: datetime, ttl: float, limit: int) -> list[ExpiredUser]:
        """Removes users whose leases all expired; each is returned once, to
        one caller, even with several sweepers."""
        ...


@dataclass(frozen=True)
class PresenceSettings:
    lease_ttl: float = 40.0

    @property
    def heartbeat_interval(self) -> float:
        return self.lease_ttl / 3

    @property
    def sweep_interval(self) -> float:
        return self.lease_ttl / 8


class PresenceService:
    def __init__(
        self,
        leases: PresenceLeases,
        publisher: LogPublisher,
        clock: Callable[[], datetime],
        settings: PresenceSettings | None = None,
    ) -> None:
        self._leases = leases
        self._publisher = publisher
        self._clock = clock
        self.settings = settings or PresenceSettings()
        self._unpublished: list[PresenceChanged] = []

    async def connected(self, user_id: str, lease_id: str) -> None:
        came = await self._leases.acquire(user_id, lease_id, self._now(), self.settings.lease_ttl)
        if came is not None:
            await self._publish(PresenceChanged(user_id, ONLINE, _iso(came)))

    async def admit(self, user_id: str, lease_id: str, cap: int) -> None:
        """Takes the new socket's lease unless the user has ``cap`` live ones
        (raises SocketCapReached): simultaneous connects cannot pass the cap."""
        now = self._now()
        came = await self._leases.acquire(user_id, lease_id, now, self.settings.lease_ttl, cap)
        if came is not None:
            await self._publish(PresenceChanged(user_id, ONLINE, _iso(came)))

    async def sockets_of(self, user_id: str) -> int:
        return await self._leases.live(user_id, self._now())

    async def heartbeat(self, user_id: str, lease_id: str) -> None:
        """Renews the socket's lease (if a sweeper took it, the user is back)."""
        await self.connected(user_id, lease_id)

    async def disconnected(self, user_id: str, lease_id: str) -> None:
        went = await self._leases.release(user_id, lease_id, self._now())
        if went is not None:
            await self._publish(PresenceChanged(user_id, OFFLINE, _iso(went)))

    async def sweep(self, limit: int = 500) -> int:
        """Turns users of dead edges offline, and publishes again what failed
        to publish before; returns how many users it turned offline."""
        retry, self._unpublished = self._unpublished, []
        for change in retry:
            await self._publish(change)
        expired = await self._leases.sweep(self._now(), self.settings.lease_ttl, limit)
        for user in expired:
            await self._publish(PresenceChanged(user.user_id, OFFLINE, _iso(user.last_seen)))
        return len(expired)

    def _now(self) -> datetime:
        """Millisecond precision, as leases keep time: a sweep's last-seen
        must never sort before the online event it ends."""
        now = self._clock()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    async def _publish(self, change: PresenceChanged) -> None:
        """The transition is already decided (the leases changed): a change the
        log did not take is kept and published again by the next sweep. Its
        time is the transition's, so it cannot overwrite a newer state."""
        record = OutgoingRecord(
            key=change.user_id,
            value=encode_presence(change),
            headers={"event_type": "PresenceChanged", "schema_version": "1"},
        )
        try:
            await self._publisher.publish(record)
        except Exception as error:
            log.warning("presence change not published yet: %s", type(error).__name__)
            if len(self._unpublished) < MAX_UNPUBLISHED:
                self._unpublished.append(change)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
