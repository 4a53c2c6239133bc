"""Who gets a notification, on which device, and why not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.devices import Device
from projections.notification_ports import Notice, Recipient
from projections.notify_rules import decide, destination

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(minutes=10)
NOTICE = Notice("c1", 7, 3, "ann", T0, None)


def device(user_id: str, name: str, endpoint: str | None = None) -> Device:
    return Device(name, user_id, "webpush" if endpoint else "gateway", name, T0, endpoint=endpoint)


Outcome = tuple[str, str | None, str, str | None]


def outcomes(
    recipients: list[Recipient], online: frozenset[str] = frozenset(), now: datetime = T0
) -> list[Outcome]:
    decided = decide(NOTICE, recipients, online, now, MAX_AGE)
    return [
        (d.user_id, d.device.device_id if d.device else None, d.decision, d.reason) for d in decided
    ]


def test_an_offline_recipient_gets_one_pending_notification_per_device() -> None:
    ben = Recipient("ben", False, (device("ben", "phone"), device("ben", "laptop")))
    assert outcomes([ben]) == [
        ("ben", "phone", "pending", None),
        ("ben", "laptop", "pending", None),
    ]


def test_an_online_recipient_is_skipped_on_every_device() -> None:
    ben = Recipient("ben", False, (device("ben", "phone"), device("ben", "laptop")))
    assert {o[3] for o in outcomes([ben], frozenset({"ben"}))} == {"online"}


def test_a_muted_conversation_is_skipped_even_when_offline() -> None:
    assert outcomes([Recipient("ben", True, (device("ben", "phone"),))]) == [
        ("ben", "phone", "skipped", "muted")
    ]


def test_a_recipient_without_devices_gets_one_no_device_decision() -> None:
    assert outcomes([Recipient("ben", False, ())]) == [("ben", None, "skipped", "no_device")]


def test_a_message_older_than_the_limit_is_not_notified() -> None:
    late = T0 + MAX_AGE + timedelta(seconds=1)
    assert outcomes([Recipient("ben", False, (device("ben", "p"),))], now=late) == [
        ("ben", "p", "skipped", "expired")
    ]


def test_each_web_push_service_is_its_own_destination_and_phones_share_the_gateway() -> None:
    assert destination(device("b", "x", "https://fcm.googleapis.com/fcm/send/1")) == (
        "https://fcm.googleapis.com"
    )
    assert destination(device("b", "y", "https://Push.Example.org:8443/a")) == (
        "https://push.example.org:8443"
    )
    assert destination(device("b", "phone")) == "gateway"


def test_a_message_older_than_the_retention_leaves_no_decision_at_all() -> None:
    ancient = T0 + timedelta(days=8)
    recipients = [Recipient("ben", False, (device("ben", "p"),))]
    assert decide(NOTICE, recipients, frozenset(), ancient, MAX_AGE, timedelta(days=7)) == []
