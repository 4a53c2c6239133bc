"""The Prometheus metrics of a process (app.metrics), read back from the
text format Prometheus scrapes."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from app import metrics as app_metrics
from app.metrics import PrometheusMetrics, SnapshotAges, exposition


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = exposition(registry)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def fresh() -> PrometheusMetrics:
    return PrometheusMetrics(CollectorRegistry())


def test_sends_are_counted_by_outcome() -> None:
    metrics = fresh()
    metrics.send_answered("sent")
    metrics.send_answered("sent")
    metrics.send_answered("unavailable")
    found = samples(metrics.registry)
    assert found[("chat_sends_total", (("outcome", "sent"),))] == 2
    assert found[("chat_sends_total", (("outcome", "unavailable"),))] == 1


def test_parked_records_are_counted_per_topic() -> None:
    metrics = fresh()
    metrics.parked("chat.events")
    assert (
        samples(metrics.registry)[("chat_parked_records_total", (("topic", "chat.events"),))] == 1
    )


def test_the_lag_of_a_partition_no_longer_held_is_dropped() -> None:
    metrics = fresh()
    metrics.consumer_lag("g", "t", {0: 5, 1: 2})
    metrics.consumer_lag("g", "t", {1: 0})
    lags = {k: v for k, v in samples(metrics.registry).items() if k[0] == "chat_consumer_lag"}
    assert lags == {
        ("chat_consumer_lag", (("group", "g"), ("partition", "1"), ("topic", "t"))): 0.0
    }


def test_the_snapshot_age_is_now_minus_when_the_newest_snapshot_was_taken() -> None:
    ages = SnapshotAges(clock=lambda: 1000.0)
    ages.taken(2, 900.0)
    ages.taken(2, 800.0)  # an older one does not make it older
    [family] = list(ages.collect())
    assert [(s.labels, s.value) for s in family.samples] == [({"partition": "2"}, 100.0)]


def test_the_restore_time_gauge_keeps_the_last_restore() -> None:
    metrics = fresh()
    metrics.restored(3.5)
    metrics.restored(1.25)
    assert samples(metrics.registry)[("chat_restore_seconds", ())] == 1.25


def test_the_push_latency_histogram_counts_each_push_in_its_bucket() -> None:
    metrics = fresh()
    metrics.pushed(0.02)
    metrics.pushed(3.0)
    found = samples(metrics.registry)
    assert found[("chat_send_to_push_seconds_bucket", (("le", "0.025"),))] == 1
    assert found[("chat_send_to_push_seconds_count", ())] == 2


def test_open_sockets_are_read_from_the_edge_at_each_scrape() -> None:
    metrics = fresh()
    open_sockets = [1, 2, 3]
    metrics.count_sockets(lambda: len(open_sockets))
    open_sockets.append(4)
    assert samples(metrics.registry)[("chat_sockets_open", ())] == 4


def test_the_setters_for_the_dead_letter_and_snapshot_code_change_the_process_metrics() -> None:
    registry = app_metrics.process_metrics().registry
    before = samples(registry).get(("chat_parked_records_total", (("topic", "x.cmds"),)), 0)
    app_metrics.count_parked_record("x.cmds")
    app_metrics.set_restore_time(2.0)
    app_metrics.set_snapshot_taken(0, 0.0)
    found = samples(registry)
    assert found[("chat_parked_records_total", (("topic", "x.cmds"),))] == before + 1
    assert found[("chat_restore_seconds", ())] == 2.0
    assert found[("chat_snapshot_age_seconds", (("partition", "0"),))] > 0
    assert "process_cpu_seconds_total" in {name for name, _ in found}
