"""Presence: online while a user has a live socket; last seen when they left.

Presence is not an aggregate: edges observe it, and each change of state is
one PresenceChanged event on ``chat.presence`` (key: the user id). Time is
passed in. Applying events is monotonic: an older event never overwrites a
newer one, whatever order they arrive in.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

ONLINE = "online"
OFFLINE = "offline"


class MalformedPresence(ValueError):
    """A chat.presence record that is not a PresenceChanged event."""


@dataclass(frozen=True)
class PresenceChanged:
    user_id: str
    status: str
    at: str  # ISO 8601 UTC: when the user came online or went offline

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)


@dataclass(frozen=True)
class PresenceState:
    status: str
    since: str  # the time of the event that set the status

    @property
    def last_seen(self) -> str | None:
        """When the user went offline; None while online."""
        return self.since if self.status == OFFLINE else None


def newer(current: PresenceState | None, change: PresenceChanged) -> bool:
    """Whether the change may replace the current state (ties keep offline:
    an online and an offline at the same instant settle on offline)."""
    if current is None:
        return True
    current_time = datetime.fromisoformat(current.since)
    if change.moment != current_time:
        return change.moment > current_time
    return change.status == OFFLINE and current.status == ONLINE


def encode_presence(change: PresenceChanged) -> bytes:
    return json.dumps({"type": "PresenceChanged", **asdict(change)}).encode("utf-8")


def decode_presence(value: bytes) -> PresenceChanged:
    try:
        body = json.loads(value)
        if body.pop("type") != "PresenceChanged" or body["status"] not in (ONLINE, OFFLINE):
            raise MalformedPresence("not a PresenceChanged")
        change = PresenceChanged(**body)
        change.moment  # noqa: B018 - validates the time
        return change
    except (ValueError, KeyError, TypeError) as error:
        raise MalformedPresence(str(error)) from error
