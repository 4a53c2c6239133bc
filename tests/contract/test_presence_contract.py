"""Presence leases and the presence view: in-memory and Redis behave alike."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.presence import PresenceLeases, SocketCapReached
from domain.presence import OFFLINE, ONLINE, PresenceChanged, PresenceState
from infra.memory.presence import InMemoryPresenceLeases, InMemoryPresenceView
from infra.redis.clients import async_client, sync_client
from infra.redis.presence import RedisPresenceLeases, RedisPresenceReader, RedisPresenceView
from tests.contract.redis_targets import WITH_MEMORY, url_for

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
TTL = 60.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_leases(kind: str, url: str, prefix: str) -> PresenceLeases:
    if kind == "memory":
        return InMemoryPresenceLeases()
    return RedisPresenceLeases(async_client(url), prefix)


@pytest.fixture(params=WITH_MEMORY)
def leases(request: pytest.FixtureRequest, unique_name: str) -> PresenceLeases:
    url = "" if request.param == "memory" else url_for(request, request.param)
    return make_leases(request.param, url, f"{unique_name}:")


def scenario(leases: PresenceLeases, steps: Callable[[PresenceLeases], Any]) -> Any:
    return asyncio.run(steps(leases))


def test_the_first_socket_brings_a_user_online_and_the_second_does_not(
    leases: PresenceLeases,
) -> None:
    async def steps(leased: PresenceLeases) -> tuple[datetime | None, datetime | None]:
        return await leased.acquire("ann", "phone", at(0), TTL), await leased.acquire(
            "ann", "laptop", at(1), TTL
        )

    assert scenario(leases, steps) == (at(0), None)


def test_only_the_last_socket_closing_takes_a_user_offline(leases: PresenceLeases) -> None:
    async def steps(leased: PresenceLeases) -> tuple[datetime | None, datetime | None]:
        await leased.acquire("ann", "phone", at(0), TTL)
        await leased.acquire("ann", "laptop", at(0), TTL)
        return await leased.release("ann", "phone", at(5)), await leased.release(
            "ann", "laptop", at(6)
        )

    assert scenario(leases, steps) == (None, at(6))


def test_transition_times_only_move_forward_when_clocks_disagree(
    leases: PresenceLeases,
) -> None:
    async def steps(leased: PresenceLeases) -> list[datetime | None]:
        online = await leased.acquire("ann", "edge1:phone", at(10), TTL)
        offline = await leased.release("ann", "edge1:phone", at(9))  # a slower clock
        again = await leased.acquire("ann", "edge2:laptop", at(9), TTL)
        return [online, offline, again]

    online, offline, again = scenario(leases, steps)
    assert online is not None and offline is not None and again is not None
    assert online < offline < again


def test_live_counts_the_open_sockets_on_every_edge(leases: PresenceLeases) -> None:
    async def steps(leased: PresenceLeases) -> tuple[int, int]:
        await leased.acquire("ann", "edge1:phone", at(0), TTL)
        await leased.acquire("ann", "edge2:laptop", at(0), TTL)
        before = await leased.live("ann", at(1))
        await leased.release("ann", "edge1:phone", at(2))
        return before, await leased.live("ann", at(3))

    assert scenario(leases, steps) == (2, 1)


def test_releasing_the_same_lease_twice_reports_offline_once(leases: PresenceLeases) -> None:
    async def steps(leased: PresenceLeases) -> tuple[datetime | None, datetime | None]:
        await leased.acquire("ann", "phone", at(0), TTL)
        return await leased.release("ann", "phone", at(5)), await leased.release(
            "ann", "phone", at(6)
        )

    assert scenario(leases, steps) == (at(5), None)


def test_the_sweeper_takes_users_whose_leases_all_expired_once(leases: PresenceLeases) -> None:
    async def steps(leased: PresenceLeases) -> tuple[list[Any], list[Any], list[Any]]:
        await leased.acquire("ann", "dead-edge", at(0), TTL)
        await leased.acquire("ann", "dead-edge", at(20), TTL)  # last heartbeat
        await leased.acquire("ben", "live-edge", at(0), TTL)
        await leased.acquire("ben", "live-edge", at(50), TTL)
        early = await leased.sweep(at(70), TTL, 100)
        await leased.acquire("ben", "live-edge", at(70), TTL)
        swept = await leased.sweep(at(81), TTL, 100)
        again = await leased.sweep(at(82), TTL, 100)
        return early, swept, again

    early, swept, again = scenario(leases, steps)
    assert [u.user_id for u in early] == []
    assert [(u.user_id, u.last_seen) for u in swept] == [("ann", at(20))]
    assert again == []


def test_a_swept_user_who_reconnects_comes_online_again(leases: PresenceLeases) -> None:
    async def steps(leased: PresenceLeases) -> datetime | None:
        await leased.acquire("ann", "dead-edge", at(0), TTL)
        await leased.sweep(at(61), TTL, 100)
        return await leased.acquire("ann", "new-edge", at(62), TTL)

    assert scenario(leases, steps) == at(62)


class RedisViewWithReader:
    def __init__(self, url: str, prefix: str) -> None:
        self.view = RedisPresenceView(sync_client(url), prefix)
        self.reader = RedisPresenceReader(async_client(url), prefix)

    def apply(self, change: PresenceChanged, partition: int, offset: int) -> bool:
        return self.view.apply(change, partition, offset)

    def start_offset(self, partition: int) -> int:
        return self.view.start_offset(partition)

    async def presence(self, user_id: str) -> PresenceState | None:
        return await self.reader.presence(user_id)

    async def presence_of_many(self, user_ids: list[str]) -> dict[str, PresenceState]:
        return await self.reader.presence_of_many(user_ids)


@pytest.fixture(params=WITH_MEMORY)
def make_view(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Any]]:
    if request.param == "memory":
        yield lambda prefix: InMemoryPresenceView()
        return
    url = url_for(request, request.param)
    yield lambda prefix: RedisViewWithReader(url, prefix)


def change(status: str, seconds: float) -> PresenceChanged:
    return PresenceChanged("ann", status, at(seconds).isoformat())


def test_the_view_keeps_the_newest_change(
    make_view: Callable[[str], Any], unique_name: str
) -> None:
    view = make_view(f"{unique_name}:")
    assert view.apply(change(ONLINE, 0), 0, 0)
    assert view.apply(change(OFFLINE, 30), 0, 1)
    assert not view.apply(change(ONLINE, 10), 0, 2)  # older: changes nothing
    state = asyncio.run(view.presence("ann"))
    assert (state.status, state.last_seen) == (OFFLINE, at(30).isoformat())


def test_the_view_skips_an_offset_it_applied_and_says_where_to_start(
    make_view: Callable[[str], Any], unique_name: str
) -> None:
    view = make_view(f"{unique_name}:")
    assert view.start_offset(3) == 0
    view.apply(change(ONLINE, 0), 3, 7)
    assert not view.apply(change(OFFLINE, 9), 3, 7)
    assert view.start_offset(3) == 8


@settings(
    max_examples=25,
    deadline=None,  # a cluster client per example reads the slot map: slow on a busy machine
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(st.sampled_from([ONLINE, OFFLINE]), st.integers(0, 50)), min_size=1, max_size=12
    ),
    st.randoms(),
)
def test_replaying_changes_in_any_order_ends_on_the_newest(
    make_view: Callable[[str], Any], history: list[tuple[str, int]], shuffler: random.Random
) -> None:
    changes = [change(status, seconds) for status, seconds in history]
    newest = max(changes, key=lambda c: (c.moment, c.status == OFFLINE))
    shuffler.shuffle(changes)
    view = make_view(f"p{uuid.uuid4().hex}:")
    for offset, item in enumerate(changes):
        view.apply(item, 0, offset)
    state = asyncio.run(view.presence("ann"))
    assert (state.status, state.since) == (newest.status, newest.at)


def test_the_view_reads_many_users_at_once_and_leaves_out_the_never_seen(
    make_view: Callable[[str], Any], unique_name: str
) -> None:
    view = make_view(f"{unique_name}:")
    view.apply(PresenceChanged("ann", ONLINE, at(1).isoformat()), 0, 0)
    view.apply(PresenceChanged("ben", OFFLINE, at(2).isoformat()), 0, 1)
    states = asyncio.run(view.presence_of_many(["ben", "nobody", "ann"]))
    assert states == {
        "ann": PresenceState(ONLINE, at(1).isoformat()),
        "ben": PresenceState(OFFLINE, at(2).isoformat()),
    }


def test_simultaneous_new_leases_get_exactly_the_cap(leases: PresenceLeases) -> None:
    async def steps(leased: PresenceLeases) -> list[bool]:
        async def one(lease: str) -> bool:
            try:
                await leased.acquire("ann", lease, at(0), TTL, cap=3)
                return True
            except SocketCapReached:
                return False

        return list(await asyncio.gather(*(one(f"s{n}") for n in range(10))))

    admitted = scenario(leases, steps)
    assert admitted.count(True) == 3


def test_a_lease_at_the_cap_is_still_renewed_and_a_freed_slot_is_taken_again(
    leases: PresenceLeases,
) -> None:
    async def steps(leased: PresenceLeases) -> int:
        await leased.acquire("ann", "a", at(0), TTL, cap=2)
        await leased.acquire("ann", "b", at(0), TTL, cap=2)
        await leased.acquire("ann", "a", at(10), TTL, cap=2)  # a heartbeat
        with pytest.raises(SocketCapReached):
            await leased.acquire("ann", "c", at(11), TTL, cap=2)
        await leased.release("ann", "b", at(12))
        await leased.acquire("ann", "c", at(13), TTL, cap=2)
        return await leased.live("ann", at(14))

    assert scenario(leases, steps) == 2


def test_expired_leases_do_not_count_against_the_cap(leases: PresenceLeases) -> None:
    async def steps(leased: PresenceLeases) -> int:
        await leased.acquire("ann", "dead", at(0), TTL, cap=1)
        await leased.acquire("ann", "new", at(TTL + 1), TTL, cap=1)
        return await leased.live("ann", at(TTL + 2))

    assert scenario(leases, steps) == 1


def test_the_sweeper_finds_expired_users_wherever_their_keys_live(leases: PresenceLeases) -> None:
    users = [f"user-{n}" for n in range(40)]  # many buckets: every master of a cluster

    async def steps(leased: PresenceLeases) -> list[str]:
        for user in users:
            await leased.acquire(user, "dead-edge", at(0), TTL)
        return [u.user_id for u in await leased.sweep(at(TTL + 1), TTL, 1000)]

    assert sorted(scenario(leases, steps)) == sorted(users)


def test_a_sweep_takes_at_most_its_limit_and_the_next_takes_the_rest(
    leases: PresenceLeases,
) -> None:
    users = [f"user-{n}" for n in range(40)]

    async def steps(leased: PresenceLeases) -> tuple[list[str], list[str]]:
        for user in users:
            await leased.acquire(user, "dead-edge", at(0), TTL)
        first = await leased.sweep(at(TTL + 1), TTL, 15)
        rest = await leased.sweep(at(TTL + 2), TTL, 1000)
        return [u.user_id for u in first], [u.user_id for u in rest]

    first, rest = scenario(leases, steps)
    assert len(first) == 15
    assert sorted(first + rest) == sorted(users)
