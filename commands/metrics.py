"""What the roles count and measure, as a port: the edge's sends and
refusals, the projector's pushes, every consumer's lag, and the recovery
figures (parked records, snapshots, restores). ``app.metrics`` exports them
to Prometheus; ``infra.memory.metrics`` keeps them for tests; ``NoMetrics``
ignores them (the default of every user)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

SEND_OUTCOMES = ("sent", "rate_limited", "refused", "unavailable")
"""``sent``: acknowledged; ``refused``: a rule said no (not a member, too
large, bad request); ``unavailable``: the log did not acknowledge."""


class Metrics(Protocol):
    def send_answered(self, outcome: str) -> None:
        """One send (frame or HTTP) ended with ``outcome`` (SEND_OUTCOMES)."""
        ...

    def rate_limited(self, what: str) -> None:
        """A request was refused by the bucket ``what`` (send, sync, read,
        receipt, login, register)."""
        ...

    def command_rejected(self, code: str) -> None:
        """The processor rejected a command after it was acknowledged."""
        ...

    def pushed(self, seconds: float) -> None:
        """A message reached the fan-out ``seconds`` after the edge took its send."""
        ...

    def consumer_lag(self, group: str, topic: str, lags: Mapping[int, int]) -> None:
        """The records waiting in each partition this consumer holds now
        (partitions it no longer holds are left out)."""
        ...

    def parked(self, topic: str) -> None:
        """A record of ``topic`` could not be decoded or applied and was parked."""
        ...

    def snapshot_taken(self, partition: int, at: float) -> None:
        """The newest snapshot of ``partition`` was taken at ``at`` (Unix time)."""
        ...

    def restored(self, seconds: float) -> None:
        """Partitions were restored (snapshot + replay) in ``seconds``."""
        ...


class NoMetrics:
    """Counts nothing."""

    def send_answered(self, outcome: str) -> None:
        pass

    def rate_limited(self, what: str) -> None:
        pass

    def command_rejected(self, code: str) -> None:
        pass

    def pushed(self, seconds: float) -> None:
        pass

    def consumer_lag(self, group: str, topic: str, lags: Mapping[int, int]) -> None:
        pass

    def parked(self, topic: str) -> None:
        pass

    def snapshot_taken(self, partition: int, at: float) -> None:
        pass

    def restored(self, seconds: float) -> None:
        pass


NO_METRICS = NoMetrics()
