"""The notifier's store: memory and PostgreSQL agree on recipients, mutes
and devices, decisions and collapse, leases, results, pruning and the log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import Tracking

from projections.ports import AlreadyProjected
from tests.contract.notifier_store_fixtures import BACKENDS, Store, at, open_store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Store]:
    yield from open_store(request.param, postgres_dsn)


def claim(store: Store, seconds: float = 0, lease: float = 30) -> list[tuple[str, int]]:
    claimed = store.queue.claim(at(seconds), 50, at(seconds + lease), [])
    return [(d.user_id, d.message_id) for d in claimed]


def test_recipients_are_the_members_but_the_sender_with_mutes_and_devices(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.start("c1", ["ann", "ben", "cat"], title="Team")
    store.run(store.devices.set_muted("cat", "c1", True))
    title, recipients = store.view.recipients("c1", "ann")
    assert title == "Team"
    assert [(r.user_id, r.muted, r.devices) for r in recipients] == [
        ("ben", False, (phone,)),
        ("cat", True, ()),
    ]


def test_membership_follows_adds_and_departures(store: Store) -> None:
    store.start("c1", ["ann", "ben"])
    store.view.members_added("c1", ["cat"], store.tracking())
    store.view.member_gone("c1", "ben", store.tracking())
    store.view.group_renamed("c1", "Crew", store.tracking())
    title, recipients = store.view.recipients("c1", "ann")
    assert (title, [r.user_id for r in recipients]) == ("Crew", ["cat"])


def test_a_position_seen_before_writes_nothing(store: Store) -> None:
    store.view.conversation_started("c1", "direct", None, ["ann"], Tracking("chat.events.p0", 5))
    with pytest.raises(AlreadyProjected):
        store.view.members_added("c1", ["ben"], Tracking("chat.events.p0", 5))
    assert [r.user_id for r in store.view.recipients("c1", "x")[1]] == ["ann"]
    assert store.view.max_tracking_id("chat.events.p0") == 5


def test_a_batch_reads_its_own_writes(store: Store) -> None:
    with store.view.batch():
        store.start("c1", ["ann", "ben"])
        assert [r.user_id for r in store.view.recipients("c1", "ann")[1]] == ["ben"]


def test_skipped_and_pending_decisions_are_in_the_log_newest_first(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.skipped("ben", "online")], when=at(0))
    store.notify("c1", 2, [store.pending(phone)], when=at(1))
    logged = store.decisions("ben")
    assert [(d["message_id"], d["decision"], d["reason"], d["device_id"]) for d in logged] == [
        ("2", "pending", None, phone.device_id),
        ("1", "skipped", "online", None),
    ]
    assert logged[0]["conversation_id"] == "c1" and logged[0]["seq"] == 2


def test_the_log_filters_by_conversation_and_shows_only_the_recipients_own(store: Store) -> None:
    store.notify("c1", 1, [store.skipped("ben", "no_device")])
    store.notify("c2", 2, [store.skipped("ben", "muted"), store.skipped("cat", "muted")])
    assert [d["message_id"] for d in store.decisions("ben", "c2")] == ["2"]
    assert [d["message_id"] for d in store.decisions("cat")] == ["2"]


def test_a_pending_delivery_folds_the_undelivered_earlier_one(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    for message_id in (1, 2, 3):
        store.notify("c1", message_id, [store.pending(phone)], when=at(message_id))
    (delivery,) = store.queue.claim(at(5), 10, at(35), [])
    assert (delivery.message_id, delivery.folded) == (3, 3)
    assert [d["decision"] for d in store.decisions("ben")] == ["pending", "collapsed", "collapsed"]


def test_a_leased_delivery_is_not_folded_and_its_device_waits(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)], when=at(0))
    assert claim(store, 1) == [("ben", 1)]
    store.notify("c1", 2, [store.pending(phone)], when=at(2))
    assert claim(store, 3) == []  # one in flight per device
    [(first,)] = [[d for d in store.decisions("ben") if d["message_id"] == "1"]]
    assert first["decision"] == "pending"


def test_deliveries_of_other_conversations_are_not_folded(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    store.notify("c2", 2, [store.pending(phone)])
    assert {d["decision"] for d in store.decisions("ben")} == {"pending"}


def test_a_lease_that_runs_out_makes_the_delivery_due_again(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    assert claim(store, 0, lease=10) == [("ben", 1)]
    assert claim(store, 5) == []
    assert claim(store, 11) == [("ben", 1)]


def test_a_renewed_lease_keeps_the_delivery_taken(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    (delivery,) = store.queue.claim(at(0), 10, at(10), [])
    store.queue.renew([(delivery.user_id, delivery.decision_id)], at(30))
    assert claim(store, 20) == []


def test_excluded_destinations_are_not_claimed(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    assert store.queue.claim(at(0), 10, at(30), ["gateway"]) == []
    assert claim(store) == [("ben", 1)]


def test_a_retry_counts_the_attempt_and_waits_until_due(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    (delivery,) = store.queue.claim(at(0), 10, at(30), [])
    store.queue.retry(delivery, at(4), "http 503")
    assert claim(store, 3) == []
    (again,) = store.queue.claim(at(4), 10, at(34), [])
    assert again.attempts == 1
    assert store.decisions("ben")[0]["reason"] == "http 503"


def test_a_released_delivery_is_due_again_without_an_attempt(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    (delivery,) = store.queue.claim(at(0), 10, at(30), [])
    store.queue.release([(delivery.user_id, delivery.decision_id)], at(1))
    (again,) = store.queue.claim(at(1), 10, at(31), [])
    assert again.attempts == 0


def test_sent_and_failed_are_final(store: Store) -> None:
    phone, laptop = store.add_device("ben", "phone"), store.add_device("ben", "laptop")
    store.notify("c1", 1, [store.pending(phone), store.pending(laptop)])
    first, second = store.queue.claim(at(0), 10, at(30), [])
    store.queue.sent(first, at(1))
    store.queue.failed(second, at(2), "http 400")
    assert claim(store, 100) == []
    assert sorted((d["decision"], d["reason"]) for d in store.decisions("ben")) == [
        ("failed", "http 400"),
        ("sent", None),
    ]


def test_a_rejected_delivery_deletes_its_device(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    (delivery,) = store.queue.claim(at(0), 10, at(30), [])
    store.queue.rejected(delivery, at(1), "pushkey rejected")
    assert store.run(store.devices.devices("ben")) == []
    assert store.decisions("ben")[0]["decision"] == "rejected"


def test_a_delivery_whose_device_was_deleted_fails_when_claimed(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.pending(phone)])
    assert store.run(store.devices.delete_device("ben", phone.device_id))
    assert claim(store) == []
    assert (store.decisions("ben")[0]["decision"], store.decisions("ben")[0]["reason"]) == (
        "failed",
        "device removed",
    )


def test_pruning_removes_old_finished_decisions_only(store: Store) -> None:
    phone = store.add_device("ben", "phone")
    store.notify("c1", 1, [store.skipped("ben", "online")], when=at(0))
    store.notify("c2", 2, [store.pending(phone)], when=at(0))
    store.notify("c3", 3, [store.skipped("ben", "online")], when=at(100))
    assert store.queue.prune(at(50)) == 1
    assert sorted(d["message_id"] for d in store.decisions("ben")) == ["2", "3"]
