"""Devices and mutes: memory and PostgreSQL agree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.contract.notifier_store_fixtures import BACKENDS, T0, Store, at, open_store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Store]:
    yield from open_store(request.param, postgres_dsn)


def test_a_saved_device_is_listed_oldest_first(store: Store) -> None:
    first = store.add_device("ann", "phone")
    second = replace(store.add_device("ann", "tablet"), created_at=T0)
    assert [d.device_id for d in store.run(store.devices.devices("ann"))] == [
        first.device_id,
        second.device_id,
    ]


def test_saving_again_keeps_one_device_with_its_first_time(store: Store) -> None:
    device = store.add_device("ann", "phone")
    assert store.run(store.devices.save_device(replace(device, created_at=at(60)), 20))
    assert store.run(store.devices.devices("ann")) == [device]


def test_an_address_registered_by_another_user_moves_to_them(store: Store) -> None:
    device = store.add_device("ann", "phone")
    moved = replace(device, user_id="ben", device_id="ben-phone")
    assert store.run(store.devices.save_device(moved, 20))
    assert store.run(store.devices.devices("ann")) == []
    assert [d.device_id for d in store.run(store.devices.devices("ben"))] == ["ben-phone"]


def test_a_user_has_at_most_the_maximum_of_devices(store: Store) -> None:
    device = store.add_device("ann", "phone")
    extra = replace(device, device_id="other", address="app|other", pushkey="other")
    assert not store.run(store.devices.save_device(extra, 1))
    assert store.run(store.devices.save_device(device, 1))  # the same one again is fine


def test_deleting_a_device_says_whether_there_was_one(store: Store) -> None:
    device = store.add_device("ann", "phone")
    assert store.run(store.devices.delete_device("ann", device.device_id))
    assert not store.run(store.devices.delete_device("ann", device.device_id))
    assert not store.run(store.devices.delete_device("ben", "ann-phone"))


def test_muting_is_per_user_and_conversation_and_can_be_undone(store: Store) -> None:
    store.run(store.devices.set_muted("ann", "c1", True))
    store.run(store.devices.set_muted("ann", "c1", True))
    assert store.run(store.devices.is_muted("ann", "c1"))
    assert not store.run(store.devices.is_muted("ann", "c2"))
    assert not store.run(store.devices.is_muted("ben", "c1"))
    store.run(store.devices.set_muted("ann", "c1", False))
    assert not store.run(store.devices.is_muted("ann", "c1"))
