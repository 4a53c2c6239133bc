"""The projector's pushes measured on their way to the fan-out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from infra.memory.metrics import InMemoryMetrics
from projections.ports import Push
from projections.push_metrics import MeasuredFanout

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.pushes: list[Push] = []

    def publish(self, push: Push) -> None:
        self.pushes.append(push)

    def publish_all(self, pushes: Sequence[Push]) -> None:
        self.pushes.extend(pushes)


def message(sent_at: str) -> Push:
    return Push(("u1",), {"type": "message", "sent_at": sent_at, "body": "x"})


def test_a_message_push_is_measured_from_its_sent_at_to_the_publish() -> None:
    metrics, recorder = InMemoryMetrics(), Recorder()
    fanout = MeasuredFanout(recorder, metrics, lambda: NOW)
    fanout.publish_all([message((NOW - timedelta(milliseconds=250)).isoformat())])
    assert metrics.push_latencies == [0.25]
    assert len(recorder.pushes) == 1


def test_a_sent_at_ahead_of_the_projectors_clock_counts_as_no_latency() -> None:
    metrics = InMemoryMetrics()
    fanout = MeasuredFanout(Recorder(), metrics, lambda: NOW)
    fanout.publish(message((NOW + timedelta(seconds=1)).isoformat()))
    assert metrics.push_latencies == [0.0]


def test_other_pushes_are_passed_on_unmeasured_and_rejections_are_counted_by_code() -> None:
    metrics, recorder = InMemoryMetrics(), Recorder()
    fanout = MeasuredFanout(recorder, metrics, lambda: NOW)
    receipt = Push(("u1",), {"type": "receipt", "kind": "read"})
    rejected = Push(("u1",), {"type": "rejected", "code": "not_a_member"})
    fanout.publish_all([receipt, rejected, message("not a time")])
    assert metrics.push_latencies == []
    assert metrics.rejections == {"not_a_member": 1}
    assert recorder.pushes == [receipt, rejected, message("not a time")]
