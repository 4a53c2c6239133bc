"""The DuckDB queries of docs/analysts.md, run as written on a Parquet
replay (one file per event type) of a real stack's mixed workload."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.e2e.conftest import _drop_namespace
from tests.e2e.log_tools import Workload, run_cli, run_mixed_workload, stack_environment
from tests.e2e.processes import REPO, Stack

ANALYSTS = REPO / "docs" / "analysts.md"


@pytest.fixture(scope="module")
def replay_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Workload]]:
    name = f"t{uuid.uuid4().hex[:12]}"
    kafka = os.environ.get("CHAT_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    postgres = os.environ.get(
        "CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
    )
    redis = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    stack = Stack(stack_environment(name, kafka, postgres, redis), tmp_path_factory.mktemp("logs"))
    stack.start_all()
    try:
        work = run_mixed_workload(stack.base_url, stack.ws_url)
        folder = tmp_path_factory.mktemp("replay")
        args = ("replay", "--format", "parquet", "--split", "--output", str(folder / "out"))
        result = run_cli(stack.env, *args)
        assert result.returncode == 0, result.stderr
        yield folder, work
    finally:
        stack.stop_all()
        _drop_namespace(name, kafka, postgres)


def queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", ANALYSTS.read_text("utf-8"), re.DOTALL)


def run(folder: Path, query: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect()
    query = query.replace("'out/", f"'{folder}/out/")
    try:
        statements = [s for s in query.split(";") if s.strip()]
        for statement in statements[:-1]:
            connection.execute(statement)
        return connection.execute(statements[-1]).fetchall()
    finally:
        connection.close()


def test_the_guide_has_the_four_questions() -> None:
    assert len(queries()) == 4


def test_messages_per_day_count_every_message(replay_folder: tuple[Path, Workload]) -> None:
    folder, _ = replay_folder
    rows = run(folder, queries()[0])
    assert sum(count for _, count in rows) == 9


def test_active_users_per_day_are_the_senders_and_readers(
    replay_folder: tuple[Path, Workload],
) -> None:
    folder, _ = replay_folder
    rows = run(folder, queries()[1])
    assert sum(users for _, users in rows) >= 2 and max(users for _, users in rows) == 2


def test_the_median_time_to_read_covers_every_message_read(
    replay_folder: tuple[Path, Workload],
) -> None:
    folder, _ = replay_folder
    ((median, reads),) = run(folder, queries()[2])
    assert reads == 3 and median >= 0  # ben read ann's first three group messages


def test_the_largest_groups_count_the_members_there_are_now(
    replay_folder: tuple[Path, Workload],
) -> None:
    folder, work = replay_folder
    assert run(folder, queries()[3]) == [(work.group, 2)]
