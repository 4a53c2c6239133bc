"""Admitting a send: one token from the sender's bucket, and the claim of its
(conversation, client_msg_id) for a message id, decided in one step (one
round trip to Redis on the real stack). The first claim's id wins, so a
resend gets the message id of the first send.

A claim store can lose its claims (Redis restarted without its data): a
resend then finds no claim and would get a fresh id while history keeps
the first message's. So a store knows, per user, since when it has kept
their claims; a claim it makes within the unconfirmed window of that (the
first claims after a loss) is unconfirmed, and the gateway asks history
(what the processor decided) for the message's id before answering, and
confirms the claim with it (commands.kept_ids). A user the store is told is
new (``new_user``, at registration) has no claims to lose: theirs are
confirmed from the first.

Within IN_FLIGHT_SECONDS of that start, a first attempt sent before the loss
may not be in history yet: the gateway waits for history rather than answer
an id it does not know to be the kept one. After that, one lookup: history
has the first attempt by then, or there was none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.limits import Bucket

CLAIM_TTL_SECONDS = 7 * 24 * 3600
"""How long a client_msg_id keeps its message id at the edge."""
UNCONFIRMED_SECONDS = 24 * 3600
"""The default of CHAT_CLAIMS_UNCONFIRMED_SECONDS: after a store began keeping
a user's claims (their first send after a loss), how long its new claims
are unconfirmed (each costs one history lookup): a resend later than this
after the loss gets a fresh id."""
IN_FLIGHT_SECONDS = 60
"""After a store began keeping a user's claims, how long a send whose id
history does not have yet is waited for (a first attempt sent before the
loss may still be on its way through the processor and the projector)."""


@dataclass(frozen=True)
class Admission:
    retry_after: float
    """0 when admitted; else the seconds until the bucket has a token (no claim made)."""
    message_id: int
    """The message id that owns the claim (the fresh one if it was free)."""
    confirmed: bool = True
    """False: the store may have lost an earlier claim of it; history says
    which id the message has (then ``confirm``)."""
    in_flight: bool = False
    """Unconfirmed, within IN_FLIGHT_SECONDS of the loss: an earlier attempt
    may not be in history yet (wait for history to have the message)."""


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

    async def new_user(self, user_id: str) -> None:
        """``user_id`` was just registered: it has no claims to lose, so its
        claims are confirmed from the first."""
        ...
