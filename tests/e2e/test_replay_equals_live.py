"""``chatapp replay`` on the real stack: a replay of a mixed workload holds
exactly the events the read models show, in the same order; it moves no
consumer group's offsets; bad input is one line and exit status 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import ConsumerGroupTopicPartitions
from confluent_kafka.admin import AdminClient

from tests.e2e.conftest import _drop_namespace
from tests.e2e.log_tools import (
    Workload,
    replayed,
    run_cli,
    run_mixed_workload,
    stack_environment,
)
from tests.e2e.processes import Stack


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, Workload]]:
    import os
    import uuid

    name = f"t{uuid.uuid4().hex[:12]}"
    kafka = os.environ.get("CHAT_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    postgres = os.environ.get(
        "CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
    )
    redis = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    stack = Stack(stack_environment(name, kafka, postgres, redis), tmp_path_factory.mktemp("logs"))
    stack.start_all()
    try:
        yield stack, run_mixed_workload(stack.base_url, stack.ws_url)
    finally:
        stack.stop_all()
        _drop_namespace(name, kafka, postgres)


def events_of(rows: list[dict[str, Any]], conversation_id: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["key"] == conversation_id]


def test_a_replay_holds_the_messages_the_read_models_show_in_the_same_order(
    live: tuple[Stack, Workload],
) -> None:
    stack, work = live
    rows = replayed(stack.env, "--topics", "events")
    ann = work.users["ann"]
    for conversation_id in (work.group, work.direct):
        posted = [
            r["data"] for r in events_of(rows, conversation_id) if r["type"] == "MessagePosted"
        ]
        history = ann.history(conversation_id, after_seq=0, limit=200)["messages"]
        assert [(r["seq"], str(r["message_id"]), r["sender"], r["body"]) for r in posted] == [
            (m["seq"], m["message_id"], m["sender_id"], m["body"]) for m in history
        ]
        offsets = [r["offset"] for r in events_of(rows, conversation_id)]
        assert offsets == sorted(offsets)


def test_a_replay_folds_to_the_members_and_watermarks_the_read_models_show(
    live: tuple[Stack, Workload],
) -> None:
    stack, work = live
    rows = events_of(replayed(stack.env, "--topics", "events"), work.group)
    members: dict[str, str] = {}
    read: dict[str, int] = {}
    for row in rows:
        if row["type"] == "ConversationStarted":
            members = dict(row["data"]["members"])
        elif row["type"] == "MembersAdded":
            members.update(dict.fromkeys(row["data"]["user_ids"], "member"))
        elif row["type"] in ("MemberRemoved", "MemberLeft"):
            members.pop(row["data"]["user_id"], None)
        elif row["type"] == "MessagesRead":
            read[row["data"]["user_id"]] = row["data"]["up_to_seq"]
    ann = work.users["ann"]
    shown = ann.http.get(f"/v1/conversations/{work.group}").json()
    assert {m["user_id"]: m["role"] for m in shown["members"]} == members
    receipts = ann.http.get(f"/v1/conversations/{work.group}/receipts").json()["members"]
    assert {m["user_id"]: m["read_seq"] for m in receipts if m["read_seq"]} == read


def test_a_replay_holds_the_rejection_the_sender_was_pushed(
    live: tuple[Stack, Workload],
) -> None:
    stack, work = live
    rows = events_of(replayed(stack.env, "--topics", "events"), work.group)
    rejected = [r["data"] for r in rows if r["type"] == "CommandRejected"]
    assert [(r["command_type"], r["code"], r["sender"]) for r in rejected] == [
        ("RemoveMember", "not_found", work.users["ann"].user_id)
    ]


def group_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])
    answer = futures[group].result(timeout=30)
    return {(tp.topic, tp.partition): tp.offset for tp in answer.topic_partitions}


def all_groups(bootstrap: str) -> set[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    listed = admin.list_consumer_groups().result(timeout=30)
    return {group.group_id for group in listed.valid}


def test_replaying_with_the_live_system_running_moves_no_consumer_group_offset(
    live: tuple[Stack, Workload], tmp_path: Path
) -> None:
    stack, _ = live
    bootstrap = stack.env["CHAT_KAFKA_BOOTSTRAP"]
    processor = f"{stack.env['CHAT_CONSUMER_GROUP_PREFIX']}-processor"
    before, groups_before = group_offsets(bootstrap, processor), all_groups(bootstrap)
    assert before, "the processor group has committed offsets"
    for fmt in ("jsonl", "csv", "parquet"):
        result = run_cli(stack.env, "replay", "--format", fmt, "--output", str(tmp_path / fmt))
        assert result.returncode == 0, result.stderr
    assert group_offsets(bootstrap, processor) == before
    assert all_groups(bootstrap) == groups_before


def test_a_replay_ends_with_a_summary_of_events_by_type_and_rate(
    live: tuple[Stack, Workload],
) -> None:
    stack, _ = live
    result = run_cli(stack.env, "replay", "--output", "-")
    assert result.returncode == 0
    summary = result.stderr.splitlines()
    assert summary[0].startswith("replayed ") and "events/s" in summary[0]
    assert any(line.strip().startswith("MessagePosted: 9") for line in summary)
    assert any(line.strip().startswith("PresenceChanged: ") for line in summary)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "yesterday"], "is not an ISO 8601 time"),
        (["--from", "2026-02-01", "--until", "2026-01-01"], "--from must be before --until"),
        (["--until", "2026-01-01", "--follow"], "takes no --until"),
        (["--format", "xml"], "unknown format 'xml'"),
        (["--format", "parquet"], "parquet is binary"),
        (["--topics", "commands"], "unknown topic"),
        (["--as-of", "5"], "go together"),
        (["--as-of", "not a time", "--conversation", "c"], "is not an ISO 8601 time"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    live: tuple[Stack, Workload], args: list[str], says: str
) -> None:
    stack, _ = live
    result = run_cli(stack.env, "replay", *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cipher_key_that_does_not_decrypt_the_log_is_exit_status_2(
    live: tuple[Stack, Workload],
) -> None:
    stack, _ = live
    wrong_key = "0vs/6ePcQ8HR/3LEhSQ6lXOZmhrG+pL3HUKfygIE2hE="
    result = run_cli({**stack.env, "CHAT_EVENT_CIPHER_KEY": wrong_key}, "replay")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "CHAT_EVENT_CIPHER_KEY" in result.stderr and len(result.stderr.splitlines()) == 1
    for key in ("not base64!", "c2hvcnQ="):
        result = run_cli({**stack.env, "CHAT_EVENT_CIPHER_KEY": key}, "replay")
        assert result.returncode == 2 and "Traceback" not in result.stderr


def test_as_of_a_position_shows_the_group_as_it_stood_then(
    live: tuple[Stack, Workload],
) -> None:
    stack, work = live
    rows = events_of(replayed(stack.env, "--topics", "events"), work.group)
    removal = next(r for r in rows if r["type"] == "MemberRemoved")
    cat = work.users["cat"].user_id

    def as_of(point: str) -> dict[str, Any]:
        result = run_cli(stack.env, "replay", "--as-of", point, "--conversation", work.group)
        assert result.returncode == 0, result.stderr
        import json

        state: dict[str, Any] = json.loads(result.stdout)
        return state

    before = as_of(str(removal["offset"] - 1))
    after = as_of(str(removal["offset"]))
    assert cat in [m["user_id"] for m in before["members"]]
    assert cat not in [m["user_id"] for m in after["members"]]
    assert before["title"] == "crew" and before["last_seq"] == 4
    ben = next(m for m in after["members"] if m["user_id"] == work.users["ben"].user_id)
    assert (ben["role"], ben["read_seq"]) == ("member", 3)
    latest = as_of(rows[-1]["at"])
    assert latest["last_seq"] == 5 and latest["position"] == rows[-1]["offset"]


def test_from_and_until_split_the_log_at_a_time_of_the_broker(
    live: tuple[Stack, Workload],
) -> None:
    stack, _ = live
    everything = replayed(stack.env, "--topics", "events")
    middle = sorted(row["logged_at"] for row in everything)[len(everything) // 2]
    since = replayed(stack.env, "--topics", "events", "--from", middle)
    until = replayed(stack.env, "--topics", "events", "--until", middle)

    def places(rows: list[dict[str, Any]]) -> set[tuple[int, int]]:
        return {(row["partition"], row["offset"]) for row in rows}

    assert places(since) == places([r for r in everything if r["logged_at"] >= middle])
    assert places(until) == places([r for r in everything if r["logged_at"] < middle])
    assert since and until and places(since) | places(until) == places(everything)


def test_rebuild_reports_its_rate_and_equal_row_counts_and_checksums(
    live: tuple[Stack, Workload],
) -> None:
    import re

    import psycopg

    from infra.postgres.compare import table_summaries

    stack, _ = live
    result = run_cli(stack.env, "rebuild")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.match(
        r"rebuilt \d+ events into schema (\S+) in [\d.]+ s \([\d,]+ events/s\)", lines[0]
    )
    for table in ("conversations", "members", "messages"):
        line = next(line for line in lines if line.startswith(f"{table}: "))
        assert line.endswith(": equal")
    rebuilt = lines[0].split()[5]
    dsn, live_schema = stack.env["CHAT_POSTGRES_DSN"], stack.env["CHAT_PG_SCHEMA"]
    with psycopg.connect(dsn) as connection:
        connection.execute(f"UPDATE \"{rebuilt}\".messages SET body = body || '!' WHERE seq = 1")
    assert (
        table_summaries(dsn, rebuilt)["messages"] != table_summaries(dsn, live_schema)["messages"]
    )
    assert table_summaries(dsn, rebuilt)["members"] == table_summaries(dsn, live_schema)["members"]


def test_follow_goes_on_with_live_events_until_interrupted(
    live: tuple[Stack, Workload],
) -> None:
    """Last in this module: it adds a message to the workload."""
    import json
    import signal
    import subprocess
    import sys

    from tests.e2e.processes import REPO

    stack, work = live
    follower = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "replay", "--topics", "events", "--follow"],
        cwd=REPO,
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert follower.stdout is not None
        seen = 0
        for line in follower.stdout:
            seen += json.loads(line)["type"] == "MessagePosted"
            if seen == 9:
                break
        sent = work.users["ann"].http.post(
            f"/v1/conversations/{work.group}/messages",
            json={"client_msg_id": "followed", "body": "seen live"},
        )
        assert sent.status_code == 202
        for line in follower.stdout:
            row = json.loads(line)
            if row["type"] == "MessagePosted":
                assert row["data"]["body"] == "seen live"
                break
        follower.send_signal(signal.SIGINT)
        _, errors = follower.communicate(timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
    assert follower.returncode == 0 and "MessagePosted: 10" in errors
