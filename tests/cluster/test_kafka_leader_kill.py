"""kill -9 of the node leading the busiest partition of ``chat.commands``,
then of ``chat.events``, on the three-node cluster (topics RF 3,
``min.insync.replicas`` 2), under the fault suite's clients and two real
processes of each role (docs/kafka-cluster.md)."""

from __future__ import annotations

from pathlib import Path

from tests.faults.run import Plan, run

LEADER_KILLS = ("leader:chat.commands", "leader:chat.events")


def test_a_killed_partition_leader_loses_no_acknowledged_message_and_strands_no_partition(
    tmp_path: Path,
) -> None:
    outcome = run(Plan(faults=LEADER_KILLS, cluster=True, settle_s=4.0, warmup_s=4.0), tmp_path)
    print(outcome.report())
    assert [f.target for f in outcome.faults] == ["chat.commands", "chat.events"]
    assert outcome.verdict.acked == outcome.verdict.sent > 0
    assert outcome.verdict.problems() == {}
    assert outcome.journal.anomalies == []
    assert outcome.lags, "the processors' committed offsets were read"
    assert all(not any(lag.values()) for lag in outcome.lags.values()), outcome.lags
