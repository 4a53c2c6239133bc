"""What ``chatapp replay`` is asked: times and positions parsed, checked
together; a bad request is a ``BadInput`` (one line, exit status 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


class BadInput(ValueError):
    """The request cannot be served as given; the message says why."""


def parse_time(option: str, raw: str) -> datetime:
    """ISO 8601 (``2026-01-31``, ``2026-01-31T12:00:00Z``, with an offset);
    a time without an offset is UTC."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        message = f"{option} {raw!r} is not an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)"
        raise BadInput(message) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Point:
    """A point of a conversation's history: a log position, or a time."""

    position: int | None = None
    moment: datetime | None = None


def parse_point(raw: str) -> Point:
    if raw.strip().isdigit():
        return Point(position=int(raw))
    return Point(moment=parse_time("--as-of", raw))


@dataclass(frozen=True)
class TimeRange:
    since: datetime | None
    until: datetime | None
    follow: bool

    @classmethod
    def of(cls, since: str | None, until: str | None, follow: bool) -> TimeRange:
        start = parse_time("--from", since) if since else None
        end = parse_time("--until", until) if until else None
        if start and end and start >= end:
            raise BadInput("--from must be before --until")
        if end and follow:
            raise BadInput("--follow reads on for ever: it takes no --until")
        return cls(start, end, follow)
