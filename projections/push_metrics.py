"""What the projector's pushes tell the metrics: the send-to-push latency of
each new message, and the commands the processor rejected.

The latency is measured projector-side: from the message's ``sent_at`` (the
edge's clock when it took the send) to the moment its ``message`` push was
handed to the fan-out, after the batch that stored it committed. It covers
the edge's produce, the processor, ``chat.events`` and the projector's
batch; not the last hop (Redis pub/sub and the edge's socket write, a
millisecond or so). Clocks of the edge and projector hosts must agree
(NTP); a negative difference counts as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from projections.ports import Fanout, Push


class PushMetrics(Protocol):
    def pushed(self, seconds: float) -> None:
        """A new message reached the fan-out ``seconds`` after the edge took its send."""
        ...

    def command_rejected(self, code: str) -> None:
        """The processor rejected a command after it was acknowledged."""
        ...


class MeasuredFanout:
    """A fan-out that reports on the pushes it passes on."""

    def __init__(self, fanout: Fanout, metrics: PushMetrics, now: Callable[[], datetime]) -> None:
        self._fanout = fanout
        self._metrics = metrics
        self._now = now

    def publish(self, push: Push) -> None:
        self.publish_all([push])

    def publish_all(self, pushes: Sequence[Push]) -> None:
        self._fanout.publish_all(pushes)
        now = self._now()
        for push in pushes:
            self._measure(push, now)

    def _measure(self, push: Push, now: datetime) -> None:
        frame = push.frame
        kind = frame.get("type")
        if kind == "message":
            sent_at = _instant(str(frame.get("sent_at", "")))
            if sent_at is not None:
                self._metrics.pushed(max(0.0, (now - sent_at).total_seconds()))
        elif kind == "rejected":
            self._metrics.command_rejected(str(frame.get("code", "")))


def _instant(text: str) -> datetime | None:
    """An ISO 8601 time (UTC unless it says otherwise), or None."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
