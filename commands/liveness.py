"""Liveness of a role's loop: it is stuck when it has had input waiting
and made no progress for longer than a limit. A watchdog (app.supervise)
reads it, logs why, and stops the process for its supervisor."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_STALL_LIMIT = 60.0


class Liveness:
    def __init__(
        self,
        role: str,
        stall_limit: float = DEFAULT_STALL_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.role = role
        self.stall_limit = stall_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting_since: float | None = None

    def waiting(self) -> None:
        """Input is waiting to be handled (kept from the first time until progress)."""
        with self._lock:
            if self._waiting_since is None:
                self._waiting_since = self._clock()

    def progressed(self) -> None:
        with self._lock:
            self._waiting_since = None

    def between_batches(self, backlog: int) -> None:
        """A poll brought nothing: alive when nothing waits either, and
        waiting when records wait that did not come."""
        if backlog:
            self.waiting()
        else:
            self.progressed()

    def stalled(self) -> str | None:
        """Why the role is stuck, or None while it is alive."""
        with self._lock:
            since = self._waiting_since
        if since is None:
            return None
        waited = self._clock() - since
        if waited <= self.stall_limit:
            return None
        return f"{self.role}: input waiting for {waited:.0f} s without progress"
