"""64-bit, time-ordered message ids (Snowflake layout).

Layout, most significant bit first: 1 unused sign bit, 41 bits of
milliseconds since ``EPOCH_MS``, 10 bits of worker id, 12 bits of counter.
The generator is pure: the caller passes the current time in.
"""

from __future__ import annotations

from dataclasses import dataclass

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
WORKER_BITS = 10
COUNTER_BITS = 12
MAX_WORKER_ID = (1 << WORKER_BITS) - 1
MAX_COUNTER = (1 << COUNTER_BITS) - 1
MAX_TIME = (1 << 41) - 1


class InvalidWorkerId(ValueError):
    """The worker id does not fit in the id layout."""


@dataclass(frozen=True)
class MessageIdParts:
    millis: int
    worker_id: int
    counter: int


class MessageIdGenerator:
    """Makes ids unique per worker and strictly increasing per generator.

    If the clock goes back, or more than 4096 ids are asked for in one
    millisecond, the generator keeps counting on its last millisecond (and
    borrows the next one), so ids never repeat and never go down.
    """

    def __init__(self, worker_id: int) -> None:
        if not 0 <= worker_id <= MAX_WORKER_ID:
            raise InvalidWorkerId(f"worker id must be 0..{MAX_WORKER_ID}, got {worker_id}")
        self._worker_id = worker_id
        self._last_millis = -1
        self._counter = 0

    @property
    def worker_id(self) -> int:
        return self._worker_id

    def next_id(self, now_ms: int) -> int:
        millis = max(now_ms - EPOCH_MS, 0)
        if millis > self._last_millis:
            self._last_millis = millis
            self._counter = 0
        elif self._counter < MAX_COUNTER:
            self._counter += 1
        else:
            self._last_millis += 1
            self._counter = 0
        if self._last_millis > MAX_TIME:
            raise OverflowError("message id time bits exhausted")
        return (
            (self._last_millis << (WORKER_BITS + COUNTER_BITS))
            | (self._worker_id << COUNTER_BITS)
            | self._counter
        )


def split_message_id(message_id: int) -> MessageIdParts:
    return MessageIdParts(
        millis=(message_id >> (WORKER_BITS + COUNTER_BITS)) + EPOCH_MS,
        worker_id=(message_id >> COUNTER_BITS) & MAX_WORKER_ID,
        counter=message_id & MAX_COUNTER,
    )
