"""Send admission (a token and a claim in one step): the in-memory and the
Redis adapters behave alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from commands.admission import IN_FLIGHT_SECONDS, UNCONFIRMED_SECONDS, Admission, SendAdmission
from commands.limits import Bucket
from infra.memory.admission import InMemorySendAdmission
from infra.redis.admission import RedisSendAdmission
from infra.redis.clients import async_client
from tests.contract.redis_targets import WITH_MEMORY, url_for

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ROOMY = Bucket(burst=100, per_second=1.0)


@pytest.fixture(params=WITH_MEMORY)
def make_admission(request: pytest.FixtureRequest) -> Callable[[str], SendAdmission]:
    if request.param == "memory":
        return lambda prefix: InMemorySendAdmission()
    url = url_for(request, request.param)
    return lambda prefix: RedisSendAdmission(async_client(url), prefix)


def admit_all(
    admission: SendAdmission, calls: list[tuple[str, str, int, Bucket, datetime]]
) -> list[Admission]:
    async def scenario() -> list[Admission]:
        return [await admission.admit(*call) for call in calls]

    return asyncio.run(scenario())


def test_the_first_claim_of_a_client_message_id_wins(
    make_admission: Callable[[str], SendAdmission], unique_name: str
) -> None:
    admission = make_admission(f"{unique_name}:")
    answers = admit_all(
        admission,
        [
            ("alice", "conv|c1", 100, ROOMY, NOW),
            ("alice", "conv|c1", 200, ROOMY, NOW),
            ("alice", "conv|c2", 300, ROOMY, NOW),
        ],
    )
    assert [a.message_id for a in answers] == [100, 100, 300]
    assert {a.retry_after for a in answers} == {0.0}


def test_claims_of_different_senders_do_not_meet(
    make_admission: Callable[[str], SendAdmission], unique_name: str
) -> None:
    admission = make_admission(f"{unique_name}:")
    answers = admit_all(
        admission, [("alice", "conv|c1", 100, ROOMY, NOW), ("bob", "conv|c1", 200, ROOMY, NOW)]
    )
    assert [a.message_id for a in answers] == [100, 200]


def test_an_empty_bucket_refuses_with_the_wait_and_claims_nothing(
    make_admission: Callable[[str], SendAdmission], unique_name: str
) -> None:
    admission = make_admission(f"{unique_name}:")
    tight = Bucket(burst=1, per_second=2.0)
    first, refused, later = admit_all(
        admission,
        [
            ("alice", "conv|c1", 100, tight, NOW),
            ("alice", "conv|c2", 200, tight, NOW),
            ("alice", "conv|c2", 300, tight, NOW + timedelta(seconds=1)),
        ],
    )
    assert first.retry_after == 0.0
    assert refused.retry_after == pytest.approx(0.5)
    # the refused send claimed nothing
    assert (later.retry_after, later.message_id) == (0.0, 300)


def test_claims_soon_after_the_store_began_keeping_a_users_claims_are_unconfirmed(
    make_admission: Callable[[str], SendAdmission], unique_name: str
) -> None:
    admission = make_admission(f"{unique_name}:")
    later = NOW + timedelta(seconds=UNCONFIRMED_SECONDS)
    first, soon, resent, afterwards = admit_all(
        admission,
        [
            ("alice", "conv|c1", 100, ROOMY, NOW),
            ("alice", "conv|c2", 200, ROOMY, NOW + timedelta(seconds=1)),
            ("alice", "conv|c1", 300, ROOMY, later),
            ("alice", "conv|c3", 400, ROOMY, later),
        ],
    )
    assert [first.confirmed, soon.confirmed] == [False, False]
    assert (resent.message_id, resent.confirmed) == (100, False)  # still the first claim's
    assert (afterwards.message_id, afterwards.confirmed) == (400, True)


def test_a_confirmed_claim_gives_historys_id_to_every_resend(
    make_admission: Callable[[str], SendAdmission], unique_name: str
) -> None:
    admission = make_admission(f"{unique_name}:")

    async def scenario() -> Admission:
        await admission.admit("alice", "conv|c1", 300, ROOMY, NOW)
        await admission.confirm("alice", "conv|c1", 100)
        return await admission.admit("alice", "conv|c1", 500, ROOMY, NOW)

    assert asyncio.run(scenario()) == Admission(0.0, 100, True)


def test_only_claims_soon_after_the_store_began_keeping_a_users_claims_are_in_flight(
    make_admission: Callable[[str], SendAdmission], unique_name: str
) -> None:
    admission = make_admission(f"{unique_name}:")
    past = NOW + timedelta(seconds=IN_FLIGHT_SECONDS)
    soon, resent_soon, resent_later = admit_all(
        admission,
        [
            ("alice", "conv|c1", 100, ROOMY, NOW),
            ("alice", "conv|c1", 200, ROOMY, NOW + timedelta(seconds=1)),
            ("alice", "conv|c1", 300, ROOMY, past),
        ],
    )
    assert [
        (a.message_id, a.confirmed, a.in_flight) for a in (soon, resent_soon, resent_later)
    ] == [
        (100, False, True),
        (100, False, True),
        (100, False, False),
    ]


def test_the_claims_of_a_user_the_store_was_told_is_new_are_confirmed_from_the_first(
    make_admission: Callable[[str], SendAdmission], unique_name: str
) -> None:
    admission = make_admission(f"{unique_name}:")

    async def scenario() -> Admission:
        await admission.new_user("alice")
        return await admission.admit("alice", "conv|c1", 100, ROOMY, NOW)

    assert asyncio.run(scenario()) == Admission(0.0, 100, True, False)
