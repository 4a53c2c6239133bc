"""When the fault suite takes a fault's backlog for delivered
(tests/faults/catch_up.py): every message acknowledged by then, at every
member's client."""

from __future__ import annotations

from tests.faults.catch_up import undelivered
from tests.faults.journal import Journal, Sighting

MEMBERS = {"c1": ["ann", "bob"]}


def acked(journal: Journal, client_msg_id: str, at: float) -> None:
    record = journal.begin_send("ann", "c1", client_msg_id)
    record.acked_at, record.message_id = at, f"m-{client_msg_id}"


def seen(journal: Journal, user_id: str, client_msg_id: str, seq: int) -> None:
    sighting = Sighting(seq, f"m-{client_msg_id}", client_msg_id, 0.0)
    journal.sightings(user_id, "c1").append(sighting)


def test_a_message_acknowledged_before_is_undelivered_until_every_member_applied_it() -> None:
    journal = Journal()
    acked(journal, "x", at=10.0)
    seen(journal, "ann", "x", 1)
    assert undelivered(journal, MEMBERS, acked_before=11.0) == {("bob", "c1", "m-x")}
    seen(journal, "bob", "x", 1)
    assert undelivered(journal, MEMBERS, acked_before=11.0) == set()


def test_a_message_acknowledged_after_the_fault_was_whole_again_is_not_waited_for() -> None:
    journal = Journal()
    acked(journal, "late", at=12.0)
    journal.begin_send("ann", "c1", "never-acked")
    assert undelivered(journal, MEMBERS, acked_before=11.0) == set()
