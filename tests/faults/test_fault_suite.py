"""The short run of the fault-injection suite (every fault kind, kill -9 of
every role, SIGSTOP of every role) and the rolling
restart, on private services and two processes of each role
(docs/operations.md, "The fault-injection suite")."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.faults.faults import EVERY_FAULT, KINDS
from tests.faults.run import Plan, run

SOCKET_BACK_S = 5.0  # a socket closed by a rolling restart is ready again within this
# After its drain a process exits 0; an edge's uvicorn raises the SIGTERM
# again once it has drained, so the edge's status is -15 (docs/operations.md).
CLEAN_STOP = (0, -signal.SIGTERM)


def test_every_fault_leaves_every_acknowledged_message_once_in_order_for_every_reader(
    tmp_path: Path,
) -> None:
    outcome = run(Plan(faults=EVERY_FAULT, settle_s=2.0, warmup_s=3.0), tmp_path)
    print(outcome.report())
    assert {f.kind for f in outcome.faults} == set(KINDS)
    assert outcome.verdict.acked == outcome.verdict.sent > 0
    assert outcome.verdict.problems() == {}
    assert outcome.journal.anomalies == []


def test_a_rolling_restart_of_every_role_refuses_no_send_and_brings_every_socket_back(
    tmp_path: Path,
) -> None:
    outcome = run(Plan(rolling_restart=True, settle_s=2.0, warmup_s=3.0), tmp_path)
    print(outcome.report())
    assert len(outcome.faults) == 6, "two processes of each role, one at a time"
    assert outcome.verdict.problems() == {}
    assert outcome.journal.anomalies == []
    refused = [o for o in outcome.journal.refusals() if o.startswith("error")]
    assert refused == [], outcome.journal.refusals()
    slow = [o for o in outcome.journal.outages if o.back_at - o.lost_at > SOCKET_BACK_S]
    assert slow == []
    assert [e for e in outcome.exits if not e.intended] == []
    assert [e for e in outcome.exits if e.code not in CLEAN_STOP] == []
