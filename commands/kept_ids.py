"""The message id of a send whose claim is unconfirmed (the claim store may
have lost an earlier claim of it, commands.admission): the id the processor
kept for that client_msg_id, as history has it, never an id not known to be
the kept one.

The send was published before asking, so history gets a message for that
client_msg_id (the first attempt's, or this one's if it reached the log
first) as soon as the processor decided it and the projector wrote it.
Soon after the loss (``Admission.in_flight``) a first attempt may still be
on its way: history is asked again until it has the message, for at most
HistoryWait.seconds; then the send is refused with ``SendIdUnknown``
(``unavailable``: the client resends with the same client_msg_id). Later,
one lookup: no message there means there was no earlier attempt."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from commands.admission import SendAdmission
from commands.ports import LogUnavailable

log = logging.getLogger(__name__)

HISTORY_WAIT_SECONDS = 5.0
"""How long a send soon after a loss waits for history to have its message."""
HISTORY_POLL_SECONDS = 0.05
"""How often history is asked meanwhile."""


UNKNOWN_ID_ANSWER = "the send is on the log, its id is not known yet; resend it"
"""The ``error`` frame's and the HTTP answer's message for SendIdUnknown."""


class SendIdUnknown(LogUnavailable):
    """The send is on the log, but which id was kept for it is not known
    (history did not have it in time, or could not be asked): answered
    ``unavailable``, so that the client resends with the same client_msg_id."""


class SentMessages(Protocol):
    async def sent_message_id(
        self, conversation_id: str, sender_id: str, client_msg_id: str
    ) -> int | None:
        """The id history has for the sender's message of that client id, if any."""
        ...


@dataclass(frozen=True)
class HistoryWait:
    seconds: float = HISTORY_WAIT_SECONDS
    every: float = HISTORY_POLL_SECONDS
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep
    """Waits between two lookups (tests pass their own)."""

    @property
    def lookups(self) -> int:
        return 1 + math.ceil(self.seconds / self.every)


class KeptIds:
    def __init__(
        self, history: SentMessages, admission: SendAdmission, wait: HistoryWait | None = None
    ) -> None:
        self._history = history
        self._admission = admission
        self._wait = wait or HistoryWait()

    async def kept_id(
        self, user_id: str, conversation_id: str, client_msg_id: str, claimed: int, in_flight: bool
    ) -> int:
        """The id to answer for a published send of an unconfirmed claim
        (``claimed``: the claim's id); the claim is confirmed with it."""
        lookups = self._wait.lookups if in_flight else 1
        found = await self._lookup(user_id, conversation_id, client_msg_id, lookups)
        kept = claimed if found is None else found  # not in flight: nothing came before
        try:
            await self._admission.confirm(user_id, f"{conversation_id}|{client_msg_id}", kept)
        except Exception as error:  # the id is known: answer it; a resend asks again
            log.warning("confirming a send's claim failed: %s", type(error).__name__)
        return kept

    async def _lookup(
        self, user_id: str, conversation_id: str, client_msg_id: str, lookups: int
    ) -> int | None:
        """History's id, asked up to ``lookups`` times; None when asked once
        and not there. Raises SendIdUnknown after more lookups in vain, or
        when history cannot be asked."""
        for lookup in range(lookups):
            if lookup:
                await self._wait.pause(self._wait.every)
            try:
                found = await self._history.sent_message_id(conversation_id, user_id, client_msg_id)
            except Exception as error:
                log.warning("history lookup of a send failed: %s", type(error).__name__)
                raise SendIdUnknown("history could not be asked for the send's id") from error
            if found is not None:
                return found
        if lookups > 1:
            raise SendIdUnknown("history did not have the send in time")
        return None
