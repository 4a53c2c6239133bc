"""The Redis key layout and URLs: every script's keys share one slot, so
each script runs on one master of a Redis Cluster; cluster URLs are read
or refused with the reason."""

from __future__ import annotations

import pytest
from redis.crc import key_slot

from app.settings import Settings, SettingsError
from infra.redis import keys
from infra.redis.clients import is_cluster_url, seed_nodes

PREFIX = "chat:"
USERS = ["ann", "ben", "0f8e1c2a-5b7d-4e0b-9a51-3f2d6c8b9e10", "{odd}"]


def slots(*names: str) -> set[int]:
    return {key_slot(name.encode()) for name in names}


@pytest.mark.parametrize("user", USERS)
def test_a_lease_script_touches_one_slot(user: str) -> None:
    lease_keys = (
        keys.leases_key(PREFIX, user),
        keys.user_index_key(PREFIX, user),
        keys.transition_key(PREFIX, user),
    )
    assert len(slots(*lease_keys)) == 1


@pytest.mark.parametrize("user", USERS)
def test_the_view_script_touches_one_slot(user: str) -> None:
    bucket = keys.presence_bucket(user)
    view_keys = (keys.state_key(PREFIX, user), keys.presence_offset_key(PREFIX, bucket, 7))
    assert len(slots(*view_keys)) == 1


@pytest.mark.parametrize("user", USERS)
def test_the_admission_script_touches_one_slot(user: str) -> None:
    admission_keys = (keys.send_rate_key(PREFIX, user), keys.claim_key(PREFIX, user, "c:m1"))
    assert len(slots(*admission_keys)) == 1


def test_a_sweep_finds_each_user_in_the_index_of_its_bucket() -> None:
    for user in USERS:
        bucket = keys.presence_bucket(user)
        assert keys.user_index_key(PREFIX, user) == keys.users_index_key(PREFIX, bucket)
        assert keys.leases_key(PREFIX, user) == f"{keys.presence_tag(PREFIX, bucket)}leases:{user}"


def test_presence_buckets_spread_over_the_masters_of_a_three_master_cluster() -> None:
    thirds = [0, 0, 0]  # the slot ranges redis-cli --cluster create gives three masters
    for bucket in range(keys.PRESENCE_BUCKETS):
        slot = key_slot(keys.users_index_key(PREFIX, bucket).encode())
        thirds[min(2, slot * 3 // 16384)] += 1
    assert min(thirds) >= keys.PRESENCE_BUCKETS // 4, thirds


def test_users_spread_over_every_presence_bucket() -> None:
    buckets = {keys.presence_bucket(f"user-{n}") for n in range(20_000)}
    assert buckets == set(range(keys.PRESENCE_BUCKETS))


def test_a_cluster_url_names_its_seed_nodes() -> None:
    url = "redis+cluster://10.0.0.1:6379,10.0.0.2:6380"
    assert is_cluster_url(url)
    assert seed_nodes(url) == [("10.0.0.1", 6379), ("10.0.0.2", 6380)]


def test_a_plain_url_is_one_redis() -> None:
    assert not is_cluster_url("redis://127.0.0.1:6379/0")


@pytest.mark.parametrize("url", ["redis+cluster://", "redis+cluster://host", "redis+cluster://h:x"])
def test_a_cluster_url_without_host_and_port_is_refused_at_start(url: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"CHAT_REDIS_URL": url})
    assert "CHAT_REDIS_URL" in str(refused.value)
