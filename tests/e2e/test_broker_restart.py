"""A broker restart shortly after a processor was paused past its session
timeout (issue: a processor could stay alive without handling a partition):
every acknowledged message reaches history within the recovery bound, and
no role has to be restarted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.client import User, unique_handle
from tests.e2e.kafka_records import group_lag
from tests.e2e.private_broker import PrivateBroker
from tests.e2e.processes import Stack
from tests.e2e.traffic import Sender, Traffic, wait_for_clean

SESSION_TIMEOUT_S = 6
RECOVERY_BOUND_S = 45.0  # docs/operations.md: after the broker is back
DELAYS_AFTER_RESUME = (0.5, 2.0, 4.0)  # different interleavings of the two faults
ROLES = {"processor": 2, "projector": 2}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    running = PrivateBroker(tmp_path / "kafka")
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def faulty_stack(
    tmp_path: Path, stack_env: dict[str, str], broker: PrivateBroker
) -> Iterator[Stack]:
    env = {
        **stack_env,
        "CHAT_KAFKA_BOOTSTRAP": broker.bootstrap,
        "CHAT_PARTITIONS": "8",
        "CHAT_KAFKA_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_S * 1000),
    }
    stack = Stack(env, tmp_path)
    for role, count in ROLES.items():
        for number in range(count):
            stack.start(role, name=f"{role}-{number}")
    stack.start("edge")
    try:
        yield stack
    finally:
        stack.stop_all()


def traffic_on(stack: Stack) -> tuple[Traffic, dict[str, User]]:
    """Four direct chats and two groups of four, about 40 messages a second."""
    users = [User(stack.base_url, unique_handle(f"u{n}")) for n in range(8)]
    senders: list[Sender] = []
    readers: dict[str, User] = {}
    for first, second in zip(users[::2], users[1::2], strict=True):
        chat = first.start_direct(second)
        readers[chat] = second
        senders.append(Sender(first, chat, [stack.ws_url], interval=0.2))
    for team in (users[:4], users[4:]):
        group = team[0].create_group("team", team[1:])
        readers[group] = team[-1]
        senders += [Sender(member, group, [stack.ws_url], interval=0.2) for member in team[:2]]
    return Traffic(senders), readers


def test_a_broker_restart_after_a_paused_processor_leaves_no_partition_behind(
    faulty_stack: Stack, broker: PrivateBroker
) -> None:
    traffic, readers = traffic_on(faulty_stack)
    traffic.start()
    for delay in DELAYS_AFTER_RESUME:
        faulty_stack.pause("processor-0")
        traffic_wait(SESSION_TIMEOUT_S + 2)
        faulty_stack.resume("processor-0")
        traffic_wait(delay)
        broker.restart()
        traffic_wait(3)
    acks = traffic.stop()
    verdict, waited = wait_for_clean(acks, readers, RECOVERY_BOUND_S)
    env = faulty_stack.env
    lag = group_lag(
        broker.bootstrap,
        f"{env['CHAT_CONSUMER_GROUP_PREFIX']}-processor",
        f"{env['CHAT_TOPIC_PREFIX']}chat.commands",
    )
    assert verdict.clean, (len(verdict.lost), verdict.gaps, lag, traffic.counts)
    assert faulty_stack.exited() == {}, "a role exited"
    print(f"{len(acks)} acknowledged, all in history {waited:.1f}s after the last fault")


def traffic_wait(seconds: float) -> None:
    """Lets the traffic run (a fault schedule, not a wait for a condition)."""
    import time

    time.sleep(seconds)
