"""Replay, rebuild and audit-verify rates over a log of N events (default
1M): a synthetic month of chat (direct and group conversations, messages,
receipts, membership changes) decided by the real aggregate and encoded by
the real codec (so every hash chain is valid), produced straight to a
scratch ``chat.events`` topic with the events' times as record timestamps.
Then, each timed: ``chatapp replay`` to Parquet (one file per type) and to
JSON Lines (/dev/null), ``chatapp audit verify``, the rebuild of the chat
read models into PostgreSQL (``app.rebuild.rebuild_view``), and the DuckDB
queries of docs/analysts.md over the Parquet files. Everything it made is
deleted at the end.

    .venv/bin/python -m benchmarks.replay_rate [--events 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import duckdb
from confluent_kafka import Producer
from eventsourcing.domain import DomainEvent

from app.rebuild import rebuild_view
from app.settings import Settings
from domain.codec import EventCodec
from domain.conversation import Conversation
from infra.kafka.topics import chat_topics, ensure_topics
from infra.partitioning import partition_for
from tests.support.kafka import delete_topics
from tests.support.postgres import drop_schema

REPO = Path(__file__).resolve().parents[1]
START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 30


def generate(settings: Settings, count: int, seed: int = 13) -> dict[str, int]:
    """Produces ``count`` events to the events topic; returns events by type."""
    rng = random.Random(seed)
    codec = EventCodec()
    users = [f"user-{n:05d}" for n in range(20_000)]
    producer = Producer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "linger.ms": 50,
            "batch.size": 1_000_000,
            "compression.type": "lz4",
            "enable.idempotence": True,
        }
    )
    conversations: list[Conversation] = []
    by_type: dict[str, int] = {}
    produced, step = 0, timedelta(seconds=DAYS * 86400 / count)
    at = START
    while produced < count:
        at += step
        conversation = _act(rng, users, conversations, at)
        for event in conversation.collect_events():
            record = codec.encode(cast(DomainEvent, event))
            name = record.headers["event_type"]
            by_type[name] = by_type.get(name, 0) + 1
            _produce(producer, settings, record, at)
            produced += 1
    producer.flush(120)
    return by_type


def _produce(producer: Producer, settings: Settings, record: Any, at: datetime) -> None:
    while True:
        try:
            producer.produce(
                settings.events_topic,
                value=record.value,
                key=record.key.encode(),
                partition=partition_for(record.key, settings.partitions),
                headers=list(record.headers.items()),
                timestamp=int(at.timestamp() * 1000),
            )
            producer.poll(0)
            return
        except BufferError:
            producer.poll(0.1)


def _act(
    rng: random.Random, users: list[str], conversations: list[Conversation], at: datetime
) -> Conversation:
    """One step of a chatty month: start a conversation now and then, else a
    message (most), a read or delivered receipt, or a membership change."""
    if not conversations or rng.random() < 0.02:
        first, second = rng.sample(users, 2)
        if rng.random() < 0.7:
            started = Conversation.start_direct(first, second, at)
        else:
            size = rng.choice((3, 4, 5, 8, 12, 20, 50))
            members = rng.sample(users, size)
            started = Conversation.create_group(uuid.uuid4(), first, "team", members, at, 1000)
        conversations.append(started)
        return started
    conversation = rng.choice(conversations)
    members = list(conversation.members)
    roll = rng.random()
    if roll < 0.75 or conversation.last_seq == 0:
        sender = rng.choice(members)
        number = conversation.last_seq + 1
        conversation.post_message(
            sender, f"c{number}", rng.getrandbits(62), f"message {number} " * 3, at
        )
    elif roll < 0.93:
        reader = rng.choice(members)
        conversation.mark_read(reader, conversation.last_seq, at)
    elif roll < 0.98:
        conversation.mark_delivered(rng.choice(members), conversation.last_seq, at)
    elif conversation.kind == "group":
        admin = next(u for u, role in conversation.members.items() if role == "admin")
        others = [m for m in members if m != admin]
        if rng.random() < 0.3 and len(members) > 2:
            conversation.remove_member(admin, rng.choice(others), at)
        elif rng.random() < 0.4 and len(members) > 2:
            conversation.leave(rng.choice(others), at)
        else:
            conversation.add_members(admin, [rng.choice(users)], at, 1000)
    return conversation


def timed(label: str, env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    print(f"{label}: exit {result.returncode}, {seconds:.1f} s")
    for line in (result.stderr or result.stdout).strip().splitlines()[:3]:
        print(f"    {line}")
    return seconds


def duckdb_queries(folder: Path) -> None:
    text = (REPO / "docs" / "analysts.md").read_text("utf-8")
    for number, query in enumerate(re.findall(r"```sql\n(.*?)```", text, re.DOTALL), 1):
        connection = duckdb.connect()
        statements = [s for s in query.replace("'out/", f"'{folder}/").split(";") if s.strip()]
        started = time.monotonic()
        for statement in statements[:-1]:
            connection.execute(statement)
        rows = connection.execute(statements[-1]).fetchall()
        print(f"query {number}: {time.monotonic() - started:.2f} s, {len(rows)} rows: {rows[:3]}")
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the topic and schemas")
    parser.add_argument("--prefix", help="reuse a kept topic (its CHAT_TOPIC_PREFIX, no dot)")
    args = parser.parse_args()
    name = args.prefix or f"bench{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CHAT_")},
        "CHAT_KAFKA_BOOTSTRAP": os.environ.get("CHAT_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        "CHAT_POSTGRES_DSN": os.environ.get(
            "CHAT_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
        ),
        "CHAT_REDIS_URL": os.environ.get("CHAT_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CHAT_TOPIC_PREFIX": f"{name}.",
        "CHAT_PG_SCHEMA": name,
        "CHAT_PARTITIONS": "8",
        "CHAT_LOG_LEVEL": "WARNING",
    }
    settings = Settings.from_env(env)
    print(f"topic prefix {name} (CHAT_TOPIC_PREFIX={name}.), schema {name}")
    topics = chat_topics(settings.commands_topic, settings.events_topic, settings.presence_topic)
    ensure_topics(settings.kafka, topics, settings.partitions)
    try:
        if not args.prefix:
            started = time.monotonic()
            by_type = generate(settings, args.events)
            seconds = time.monotonic() - started
            print(f"generated and produced {args.events} events in {seconds:.1f} s: {by_type}")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "out"
            parquet = ("replay", "--topics", "events", "--format", "parquet", "--split")
            timed("replay parquet --split", env, *parquet, "--output", str(out))
            jsonl = ("replay", "--topics", "events", "--output", "/dev/null")
            timed("replay jsonl", env, *jsonl)
            timed("audit verify", env, "audit", "verify")
            duckdb_queries(out)
        started = time.monotonic()
        applied = rebuild_view(replace(settings), f"{name}_rebuild", progress=False)
        seconds = time.monotonic() - started
        print(f"rebuild: {applied} events in {seconds:.1f} s ({applied / seconds:,.0f} events/s)")
    finally:
        if not args.keep:
            delete_topics(settings.kafka_bootstrap, list(topics))
            for schema in (name, f"{name}_rebuild"):
                drop_schema(settings.postgres_dsn, schema)


if __name__ == "__main__":
    main()
