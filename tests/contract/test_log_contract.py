"""One contract for the log ports (LogPublisher, ProcessorLog,
EventFeed), run against the in-memory adapters and against Kafka."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from commands.ports import LogUnavailable, PartitionCommit
from domain.records import COMMANDS_LOG, LogRecord, OutgoingRecord, parked_record
from infra.partitioning import murmur2, partition_for
from tests.contract.log_fixtures import (
    LogHarness,
    make_harness,
    poll_until,
    wait_for_all_partitions,
)


@pytest.fixture(params=["memory", "kafka"])
def harness(request: pytest.FixtureRequest) -> Iterator[LogHarness]:
    yield from make_harness(request.param)


TOO_LARGE = "x" * 2_000_000
"""An event larger than the log accepts (Kafka's default is 1 MB)."""


def command(key: str, value: str, **headers: str) -> OutgoingRecord:
    return OutgoingRecord(key, value.encode(), headers)


def key_in(partition: int, partitions: int, tag: str = "") -> str:
    """A conversation id that lives in ``partition``."""
    return next(
        f"conv-{tag}{n}"
        for n in range(10_000)
        if partition_for(f"conv-{tag}{n}", partitions) == partition
    )


def values(records: list[LogRecord]) -> list[bytes]:
    return [record.value for record in records]


def test_a_published_command_is_polled_with_its_key_value_headers_and_partition(
    harness: LogHarness,
) -> None:
    harness.publish([command("conv-42", "hello", type="SendMessage", v="1")])
    log = harness.processor_log()

    [record] = poll_until(log, lambda records: len(records) >= 1)

    assert (record.key, record.value, dict(record.headers)) == (
        "conv-42",
        b"hello",
        {"type": "SendMessage", "v": "1"},
    )
    assert record.partition == partition_for("conv-42", harness.partitions)


def test_publishing_to_a_topic_that_does_not_exist_raises_log_unavailable(
    harness: LogHarness,
) -> None:
    with pytest.raises(LogUnavailable):
        harness.publish([command("conv-1", "lost")], topic="no.such.topic")


def test_records_of_one_key_come_back_in_publish_order(harness: LogHarness) -> None:
    sent = [command("conv-7", str(n)) for n in range(30)]
    harness.publish(sent)
    log = harness.processor_log()

    records = poll_until(log, lambda records: len(records) >= 30)

    assert values(records) == [record.value for record in sent]


def test_commit_makes_the_events_visible_to_committed_events(harness: LogHarness) -> None:
    key = key_in(1, harness.partitions)
    harness.publish([command(key, "send")])
    log = harness.processor_log()
    [polled] = poll_until(log, lambda records: len(records) >= 1)
    events = [command(key, "posted", type="MessagePosted"), command(key, "read", type="Read")]

    log.commit({polled.partition: PartitionCommit(events, polled.offset + 1)})

    stored = list(log.committed_events([polled.partition]))
    assert [(r.key, r.value, dict(r.headers)) for r in stored] == [
        (e.key, e.value, dict(e.headers)) for e in events
    ]


def test_commit_puts_parked_commands_on_the_dead_letter_topic_with_the_offsets(
    harness: LogHarness,
) -> None:
    key = key_in(1, harness.partitions)
    harness.publish([command(key, "broken")])
    log = harness.processor_log()
    [polled] = poll_until(log, lambda records: len(records) >= 1)
    parked = parked_record(polled, COMMANDS_LOG, "cannot decode")

    log.commit({1: PartitionCommit([], polled.offset + 1, [parked])})

    [stored] = harness.parked(1)
    assert (stored.key, stored.value, dict(stored.headers)) == (key, b"broken", parked.headers)


def test_parked_commands_of_a_failed_commit_are_not_parked(harness: LogHarness) -> None:
    key = key_in(0, harness.partitions)
    log = harness.processor_log()
    wait_for_all_partitions(log, harness.partitions)
    parked = OutgoingRecord(key, b"broken", {"parked_error": "x"})

    with pytest.raises(LogUnavailable):
        log.commit({0: PartitionCommit([command(key, TOO_LARGE)], 0, [parked])})

    assert harness.parked(0) == []


def test_reread_hands_the_partition_back_and_polls_from_the_committed_offset(
    harness: LogHarness,
) -> None:
    key = key_in(2, harness.partitions)
    harness.publish([command(key, "one"), command(key, "two")])
    log = harness.processor_log()
    polled = poll_until(log, lambda records: len(records) >= 2)
    log.commit({2: PartitionCommit([], polled[0].offset + 1)})
    log.assignment_changes()

    log.reread([2])

    change = log.assignment_changes()
    again = poll_until(log, lambda records: len(records) >= 1)
    assert (change.revoked, change.assigned, values(again)) == ((2,), (2,), [b"two"])


def test_a_failed_commit_raises_log_unavailable_and_appends_nothing(
    harness: LogHarness,
) -> None:
    key = key_in(0, harness.partitions)
    log = harness.processor_log()
    wait_for_all_partitions(log, harness.partitions)

    with pytest.raises(LogUnavailable):
        log.commit({0: PartitionCommit([command(key, "fine"), command(key, TOO_LARGE)], 0)})

    assert list(log.committed_events([0])) == []


def test_after_a_failed_commit_the_partition_is_handed_back_and_its_commands_polled_again(
    harness: LogHarness,
) -> None:
    key = key_in(2, harness.partitions)
    harness.publish([command(key, "one"), command(key, "two")])
    log = harness.processor_log()
    polled = poll_until(log, lambda records: len(records) >= 2)
    log.assignment_changes()
    with pytest.raises(LogUnavailable):
        log.commit({2: PartitionCommit([command(key, TOO_LARGE)], polled[-1].offset + 1)})

    change = log.assignment_changes()
    again = poll_until(log, lambda records: len(records) >= 2)

    assert (change.revoked, change.assigned) == ((2,), (2,))
    assert values(again) == [b"one", b"two"]


def test_one_commit_appends_the_events_of_every_partition_in_it(harness: LogHarness) -> None:
    log = harness.processor_log()
    wait_for_all_partitions(log, harness.partitions)
    commits = {
        p: PartitionCommit([command(key_in(p, harness.partitions), f"e{p}")], 0)
        for p in range(harness.partitions)
    }
    log.commit(commits)
    for partition in range(harness.partitions):
        assert values(list(log.committed_events([partition]))) == [f"e{partition}".encode()]


def test_committed_events_reach_an_event_feed_in_their_partition(harness: LogHarness) -> None:
    key = key_in(2, harness.partitions)
    log = harness.processor_log()
    wait_for_all_partitions(log, harness.partitions)
    log.commit({2: PartitionCommit([command(key, "e1"), command(key, "e2")], 0)})
    feed = harness.event_feed(lambda partition: 0)

    records = poll_until(feed, lambda records: len(records) >= 2)

    assert values(records) == [b"e1", b"e2"]
    assert {record.partition for record in records} == {2}


def test_a_restarted_processor_log_resumes_after_the_committed_offset(
    harness: LogHarness,
) -> None:
    key = key_in(0, harness.partitions)
    harness.publish([command(key, "one"), command(key, "two"), command(key, "three")])
    first = harness.processor_log()
    polled = poll_until(first, lambda records: len(records) >= 3)
    first.commit({0: PartitionCommit([command(key, "done")], polled[1].offset + 1)})
    first.close()
    harness.publish([command(key, "after restart")])

    second = harness.processor_log()
    seen = poll_until(second, lambda records: b"after restart" in values(records))

    assert values(seen) == [b"three", b"after restart"]


def test_commands_handled_but_not_committed_are_polled_again_by_the_next_instance(
    harness: LogHarness,
) -> None:
    key = key_in(1, harness.partitions)
    harness.publish([command(key, "one"), command(key, "two")])
    crashed = harness.processor_log()
    handled = poll_until(crashed, lambda records: len(records) >= 2)
    crashed.close()

    second = harness.processor_log()
    again = poll_until(second, lambda records: len(records) >= 2)

    assert [(r.offset, r.value) for r in again] == [(r.offset, r.value) for r in handled]


def test_events_a_crashed_owner_never_committed_are_never_visible(harness: LogHarness) -> None:
    key = key_in(1, harness.partitions)
    harness.zombie(1, [command(key, "ghost 1"), command(key, "ghost 2")])
    log = harness.processor_log()
    wait_for_all_partitions(log, harness.partitions)

    log.commit({1: PartitionCommit([command(key, "real")], 0)})

    assert values(list(log.committed_events([1]))) == [b"real"]
    feed = harness.event_feed(lambda partition: 0)
    assert values(poll_until(feed, lambda records: b"real" in values(records))) == [b"real"]


def test_a_previous_owner_cannot_commit_once_a_new_instance_owns_the_partition(
    harness: LogHarness,
) -> None:
    key = key_in(2, harness.partitions)
    zombie = harness.zombie(2, [command(key, "late")])
    log = harness.processor_log()
    wait_for_all_partitions(log, harness.partitions)

    assert zombie.try_commit() is False
    log.commit({2: PartitionCommit([command(key, "current")], 0)})
    assert values(list(log.committed_events([2]))) == [b"current"]


def test_an_event_feed_starts_each_partition_at_its_start_offset(harness: LogHarness) -> None:
    log = harness.processor_log()
    wait_for_all_partitions(log, harness.partitions)
    for partition in range(harness.partitions):
        key = key_in(partition, harness.partitions)
        log.commit(
            {partition: PartitionCommit([command(key, f"p{partition}e{n}") for n in range(3)], 0)}
        )
    stored = {p: list(log.committed_events([p])) for p in range(harness.partitions)}
    starts = {p: stored[p][p].offset for p in stored}  # partition p skips p events
    expected = sorted(r.value for p in stored for r in stored[p] if r.offset >= starts[p])
    feed = harness.event_feed(starts.__getitem__)

    records = poll_until(feed, lambda records: len(records) >= len(expected))

    assert sorted(values(records)) == expected


def test_partition_for_agrees_with_kafkas_java_client() -> None:
    # Values from Kafka's UtilsTest.testMurmur2.
    assert murmur2(b"21") == -973932308
    assert murmur2(b"foobar") == -790332482
    assert murmur2(b"a-little-bit-long-string") == -985981536
    assert murmur2(b"a-little-bit-longer-string") == -1486304829
    assert murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971
    assert murmur2(b"abc") == 479470107
    assert partition_for("21", 1000) == (-973932308 & 0x7FFFFFFF) % 1000


def test_partition_for_is_stable_and_spreads_keys() -> None:
    keys = [f"conv-{n}" for n in range(4000)]

    first = [partition_for(key, 8) for key in keys]
    counts = Counter(first)

    assert first == [partition_for(key, 8) for key in keys]
    assert sorted(counts) == list(range(8))
    assert all(400 <= count <= 600 for count in counts.values()), counts
