"""The id answered for a send whose claim is unconfirmed (commands.kept_ids)
when history or the claim store fails: never an id not known to be kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from commands.kept_ids import HistoryWait, KeptIds, SendIdUnknown
from commands.limits import Bucket
from commands.ports import LogUnavailable
from infra.memory.admission import InMemorySendAdmission

AT = datetime(2026, 1, 1, tzinfo=UTC)
ROOMY = Bucket(burst=10, per_second=1.0)


class History:
    def __init__(self, answers: list[int | Exception | None]) -> None:
        self._answers = answers
        self.asked = 0

    async def sent_message_id(
        self, conversation_id: str, sender_id: str, client_msg_id: str
    ) -> int | None:
        answer = self._answers[min(self.asked, len(self._answers) - 1)]
        self.asked += 1
        if isinstance(answer, Exception):
            raise answer
        return answer


class BrokenClaims(InMemorySendAdmission):
    async def confirm(self, user_id: str, claim: str, message_id: int) -> None:
        raise ConnectionError("redis is down")


async def no_pause(seconds: float) -> None:
    return None


def kept(history: History, in_flight: bool, claims: InMemorySendAdmission | None = None) -> int:
    ids = KeptIds(history, claims or InMemorySendAdmission(), HistoryWait(1.0, 0.5, no_pause))
    return asyncio.run(ids.kept_id("ann", "chat", "c-1", 222, in_flight))


@pytest.mark.parametrize("in_flight", [True, False])
def test_a_failing_history_lookup_refuses_the_send_as_unavailable(in_flight: bool) -> None:
    with pytest.raises(SendIdUnknown) as refused:
        kept(History([OSError("no database")]), in_flight)
    assert isinstance(refused.value, LogUnavailable)


def test_a_send_in_flight_asks_history_until_it_has_the_message() -> None:
    history = History([None, None, 111])
    assert (kept(history, in_flight=True), history.asked) == (111, 3)


def test_a_send_in_flight_is_refused_after_the_lookups_of_its_wait() -> None:
    history = History([None])
    with pytest.raises(SendIdUnknown):
        kept(history, in_flight=True)
    assert history.asked == HistoryWait(1.0, 0.5).lookups == 3


def test_a_send_not_in_flight_asks_once_and_keeps_its_claims_id() -> None:
    history = History([None, 111])
    assert (kept(history, in_flight=False), history.asked) == (222, 1)


def test_historys_id_is_answered_also_when_the_claim_cannot_be_confirmed() -> None:
    assert kept(History([111]), in_flight=True, claims=BrokenClaims()) == 111


def test_the_answered_id_confirms_the_claim() -> None:
    claims = InMemorySendAdmission()

    async def scenario() -> tuple[int, bool]:
        await claims.admit("ann", "chat|c-1", 222, ROOMY, AT)
        ids = KeptIds(History([111]), claims, HistoryWait(1.0, 0.5, no_pause))
        await ids.kept_id("ann", "chat", "c-1", 222, True)
        again = await claims.admit("ann", "chat|c-1", 333, ROOMY, AT)
        return again.message_id, again.confirmed

    assert asyncio.run(scenario()) == (111, True)
