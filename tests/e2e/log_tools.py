"""Helpers of the analysts' and auditors' tests: run a ``chatapp`` tool,
read a conversation's raw records, write records to a scratch topic, and a
stack with a mixed workload shared by a test module."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from infra.kafka.config import KafkaConfig
from infra.kafka.log_reader import LogReader
from infra.partitioning import partition_for
from tests.e2e.processes import REPO

Raw = tuple[str, bytes, dict[str, str]]
"""A record as written: key, value, headers."""


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def replayed(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    """The rows of ``chatapp replay`` (JSON Lines on stdout)."""
    result = run_cli(env, "replay", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def conversation_records(bootstrap: str, topic: str, conversation_id: str) -> list[Raw]:
    """The conversation's records of ``topic``, in log order, as written."""
    with LogReader(KafkaConfig(bootstrap)) as reader:
        spans = reader.spans(topic)
        return [
            (logged.record.key, logged.record.value, dict(logged.record.headers))
            for logged in reader.read(spans)
            if logged.record.key == conversation_id
        ]


def write_scratch(bootstrap: str, topic: str, partitions: int, records: list[Raw]) -> None:
    """A new topic holding ``records``, each in the partition its key maps to."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        future.result(timeout=30)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for key, value, headers in records:
        producer.produce(
            topic,
            value=value,
            key=key.encode(),
            partition=partition_for(key, partitions),
            headers=list(headers.items()),
        )
    assert producer.flush(30) == 0


@dataclass
class Workload:
    """What the mixed workload did, to compare with what the log says."""

    group: str
    direct: str
    users: dict[str, Any]


def stack_environment(name: str, kafka: str, postgres: str, redis: str) -> dict[str, str]:
    return {
        "CHAT_KAFKA_BOOTSTRAP": kafka,
        "CHAT_POSTGRES_DSN": postgres,
        "CHAT_REDIS_URL": redis,
        "CHAT_TOPIC_PREFIX": f"{name}.",
        "CHAT_CONSUMER_GROUP_PREFIX": name,
        "CHAT_PG_SCHEMA": name,
        "CHAT_REDIS_PREFIX": f"{name}:",
        "CHAT_PARTITIONS": "4",
        "CHAT_LOGIN_ATTEMPTS_PER_MINUTE": "600",
        "CHAT_SEND_RATE_PER_SECOND": "1000",
        "CHAT_SEND_BURST": "1000",
    }


def run_mixed_workload(base_url: str, ws_url: str) -> Workload:
    """Groups, a direct chat, receipts, an add, a removal, a leave and a
    rejected command (removing someone who is not in the group); returns
    once the read models show all of it."""
    from tests.e2e.client import User, unique_handle

    ann, ben, cat, dan, eve = (
        User(base_url, unique_handle(n)) for n in ("ann", "ben", "cat", "dan", "eve")
    )
    group = ann.create_group("crew", [ben, cat])
    direct = ann.start_direct(ben)
    ann_socket, ben_socket = ann.socket(ws_url), ben.socket(ws_url)
    for number in range(4):
        assert ann_socket.send_message(group, f"g{number}", f"group {number}")["type"] == "sent"
        assert ben_socket.send_message(direct, f"d{number}", f"direct {number}")["type"] == "sent"
    ann.add_members(group, [dan])
    ben_socket.send_frame({"type": "read", "id": "r1", "conversation_id": group, "up_to_seq": 3})
    # ok once durable: the read is on the log before the removal below (the
    # as-of test relies on it)
    ben_socket.wait_for(lambda f: f.get("type") == "ok" and f.get("id") == "r1")
    ann_socket.send_frame(
        {"type": "delivered", "id": "r2", "conversation_id": direct, "up_to_seq": 4}
    )
    ann.remove_member(group, cat)
    ann.remove_member(group, eve)  # not in the group: CommandRejected
    dan.wait_until_visible(group)
    leave = dan.http.delete(f"/v1/conversations/{group}/members/{dan.user_id}")
    assert leave.status_code == 202
    assert ann_socket.send_message(group, "g-last", "after the changes")["type"] == "sent"
    ann_socket.wait_for(lambda f: f["type"] == "rejected")

    def settled() -> bool:
        members = ann.http.get(f"/v1/conversations/{group}").json()["member_ids"]
        receipts = ann.http.get(f"/v1/conversations/{group}/receipts").json()["members"]
        ben_read = any(m["user_id"] == ben.user_id and m["read_seq"] == 3 for m in receipts)
        direct_receipts = ben.http.get(f"/v1/conversations/{direct}/receipts").json()["members"]
        delivered = any(m["delivered_seq"] == 4 for m in direct_receipts)
        return sorted(members) == sorted([ann.user_id, ben.user_id]) and ben_read and delivered

    wait_until(settled)
    ann_socket.close()
    ben_socket.close()
    users = {"ann": ann, "ben": ben, "cat": cat, "dan": dan, "eve": eve}
    return Workload(group, direct, users)
