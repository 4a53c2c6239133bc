"""Admitting a send: one token from the sender's bucket, and the claim of its
(conversation, client_msg_id) for a message id, decided in one step (one
round trip to Redis on the real stack). The first claim's id wins, so a
resend gets the message id of the first send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.limits import Bucket

CLAIM_TTL_SECONDS = 7 * 24 * 3600
"""How long a client_msg_id keeps its message id at the edge."""


@dataclass(frozen=True)
class Admission:
    retry_after: float
    """0 when admitted; else the seconds until the bucket has a token (no claim made)."""
    message_id: int
    """The message id that owns the claim (the fresh one if it was free)."""


class SendAdmission(Protocol):
    async def admit(
        self,
        user_id: str,
        claim: str,
        fresh_id: int,
        bucket: Bucket,
        now: datetime,
    ) -> Admission:
        """Takes a token from ``user_id``'s send bucket and, if there was one,
        claims ``claim`` (conversation and client_msg_id) for ``fresh_id``."""
        ...
