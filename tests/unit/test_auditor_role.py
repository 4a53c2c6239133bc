"""The auditor role: grants and revokes decide once, every read is recorded,
and a user's trail is one chain."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.decider import PartitionState
from commands.messages import GrantAuditor, RecordAuditRead, RevokeAuditor
from domain.auditor import AuditorGranted, AuditorRevoked, AuditRead, auditor_stream_id
from domain.hashchain import ChainChecker, StoredLink, chain_payload

AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
STREAM = str(auditor_stream_id("eve"))


def test_granting_twice_decides_one_grant() -> None:
    state = PartitionState()
    first = state.decide(GrantAuditor(STREAM, "eve", "operator:root", AT))
    again = state.decide(GrantAuditor(STREAM, "eve", "operator:root", AT))
    assert [type(e) for e in first] == [AuditorGranted] and again == []


def test_revoking_someone_who_is_not_an_auditor_decides_nothing() -> None:
    assert PartitionState().decide(RevokeAuditor(STREAM, "eve", "operator:root", AT)) == []


def test_a_command_whose_key_is_not_the_users_stream_decides_nothing() -> None:
    assert PartitionState().decide(GrantAuditor(str(auditor_stream_id("x")), "eve", "op", AT)) == []


def test_the_role_is_rebuilt_from_its_events() -> None:
    deciding = PartitionState()
    events = deciding.decide(GrantAuditor(STREAM, "eve", "op", AT))
    events += deciding.decide(RevokeAuditor(STREAM, "eve", "op", AT))
    rebuilt = PartitionState()
    rebuilt.replay(events)
    assert [type(e) for e in rebuilt.decide(GrantAuditor(STREAM, "eve", "op", AT))] == [
        AuditorGranted
    ]


def test_a_users_grants_revokes_and_reads_are_one_chain() -> None:
    state = PartitionState()
    events = state.decide(GrantAuditor(STREAM, "eve", "op", AT))
    events += state.decide(RecordAuditRead(STREAM, "eve", "c1", "events", -1, 50, AT))
    events += state.decide(RevokeAuditor(STREAM, "eve", "op", AT))
    assert [type(e) for e in events] == [AuditorGranted, AuditRead, AuditorRevoked]
    checker = ChainChecker()
    for position, event in enumerate(events):
        state_of = vars(event)
        version = event.originator_version
        payload = chain_payload(type(event).__name__, STREAM, version, state_of)
        checker.add(StoredLink(position, version, payload, state_of["prev_hash"], state_of["hash"]))
    assert checker.problem is None and checker.links == 3
