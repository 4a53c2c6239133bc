"""Admitting a send: one token from the sender's bucket, and the claim of its
(conversation, client_msg_id) for a message id, decided in one step (one
round trip to Redis on the real stack). The first claim's id wins, so a
resend gets the message id of the first send.

A claim store can lose its claims (Redis restarted without its data): a
resend then finds no claim and would get a fresh id while history keeps
the first message's. So a store knows, per user, since when it has kept
their claims; a claim it makes within UNCONFIRMED_SECONDS of that (the
first claims after a loss, or of a new user) is unconfirmed, and the
gateway asks history (what the processor decided) for the message's id
before answering, and confirms the claim with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.limits import Bucket

CLAIM_TTL_SECONDS = 7 * 24 * 3600
"""How long a client_msg_id keeps its message id at the edge."""
UNCONFIRMED_SECONDS = 60
"""After a store began keeping a user's claims, how long its new claims are
unconfirmed (each costs one history lookup): a client resends a send that
got no ``sent`` within this."""


@dataclass(frozen=True)
class Admission:
    retry_after: float
    """0 when admitted; else the seconds until the bucket has a token (no claim made)."""
    message_id: int
    """The message id that owns the claim (the fresh one if it was free)."""
    confirmed: bool = True
    """False: the store may have lost an earlier claim of it; history says
    which id the message has (then ``confirm``)."""


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

    async def confirm(self, user_id: str, claim: str, message_id: int) -> None:
        """The claim's id as history has it: confirmed from now on."""
        ...
