"""SIGTERM on a processor or a projector: it finishes its batch, commits and
leaves the group, so its partitions move to the other instance at once, not
after the session timeout (set to 60 s here)."""

from __future__ import annotations

import ast
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.processes import Stack

SESSION_TIMEOUT = 60.0
HANDOVER_DEADLINE = 20.0  # far below the session timeout, generous on the shared CPU
ASSIGNED = {
    "processor": re.compile(r"processor_log assigned (\[[\d, ]*\])"),
    "projector": re.compile(r"event_feed feed assigned (\[[\d, ()]*\])"),
}


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"CHAT_KAFKA_SESSION_TIMEOUT_MS": str(int(SESSION_TIMEOUT * 1000))}


def assigned_partitions(log: Path, role: str) -> set[int]:
    """Every partition the log says this process was given (chat topic only)."""
    found: set[int] = set()
    for line in log.read_text(errors="replace").splitlines():
        if role == "projector" and "chat.presence" in line:
            continue
        match = ASSIGNED[role].search(line)
        if match:
            for item in ast.literal_eval(match.group(1)):
                found.add(item[0] if isinstance(item, tuple) else item)
    return found


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} not within {timeout} s")
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.parametrize("role", ["processor", "projector"])
def test_a_terminated_instance_hands_its_partitions_over_at_once(stack: Stack, role: str) -> None:
    stack.start(role, name=f"{role}-2")
    [second_log] = stack.log_dir.glob(f"{role}-2-*.log")
    wait_until(
        lambda: (
            len(assigned_partitions(second_log, role)) < 4
            and bool(assigned_partitions(second_log, role))
        ),
        90,
        "a split of the partitions",
    )
    first = stack.processes.pop(role)
    first.send_signal(signal.SIGTERM)
    took = wait_until(
        lambda: assigned_partitions(second_log, role) == {0, 1, 2, 3},
        HANDOVER_DEADLINE,
        f"the second {role} holding every partition",
    )
    assert first.wait(timeout=30) == 0
    assert took < SESSION_TIMEOUT
