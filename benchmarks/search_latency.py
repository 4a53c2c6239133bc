"""Search latency at scale: N messages (default 1,000,000) in C direct and
group conversations of U users (defaults 20,000 and 5,000; each user in
about 8 conversations on average, the searcher's history a few thousand
messages), loaded with COPY into a scratch schema made by create_schema
(the GIN index built after the load), then S searches (default 500) by
random users for random words through the real adapter (PostgresSearch:
membership join, GIN match, ts_headline, reactions and quotes), timed one
at a time. Bodies are 6-14 words drawn from a Zipf-like vocabulary of 5,000
words, so some words are in most conversations and most are rare. The
schema is dropped at the end.

    .venv/bin/python -m benchmarks.search_latency [--messages 1000000] [--searches 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql

from app.settings import Settings
from infra.postgres.schema import create_schema
from infra.postgres.search import PostgresSearch
from tests.support.postgres import drop_schema

VOCABULARY = [f"w{index}" for index in range(5000)]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def conversations(count: int, users: int, rng: random.Random) -> list[list[str]]:
    """Members of each conversation: mostly pairs, every tenth a group of 3-20."""
    chats = []
    for number in range(count):
        size = rng.randint(3, 20) if number % 10 == 0 else 2
        chats.append([f"u{user}" for user in rng.sample(range(users), size)])
    return chats


def message_rows(
    chats: list[list[str]], messages: int, rng: random.Random
) -> Iterator[tuple[object, ...]]:
    per_chat = messages // len(chats)
    message_id = 1 << 40
    for index, members in enumerate(chats):
        conversation_id = f"c{index}"
        for seq in range(1, per_chat + 1):
            message_id += 1
            words = rng.choices(VOCABULARY, WEIGHTS, k=rng.randint(6, 14))
            sent_at = T0 + timedelta(seconds=message_id % 10_000_000)
            yield (
                conversation_id,
                seq,
                message_id,
                rng.choice(members),
                " ".join(words),
                f"m{message_id}",
                sent_at,
            )


def load(dsn: str, schema: str, chats: list[list[str]], messages: int, seed: int) -> float:
    started = time.monotonic()
    rng = random.Random(seed)
    s = sql.Identifier(schema)
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("DROP INDEX {}.messages_search").format(s))
        with conn.cursor().copy(
            sql.SQL("COPY {}.members (conversation_id, user_id, role) FROM STDIN").format(s)
        ) as copy:
            for index, members in enumerate(chats):
                for user in members:
                    copy.write_row((f"c{index}", user, "member"))
        with conn.cursor().copy(
            sql.SQL(
                "COPY {}.messages (conversation_id, seq, message_id, sender_id, body,"
                " client_msg_id, sent_at) FROM STDIN"
            ).format(s)
        ) as copy:
            for row in message_rows(chats, messages, rng):
                copy.write_row(row)
        conn.commit()
        conn.execute(
            sql.SQL("CREATE INDEX messages_search ON {}.messages USING gin (search)").format(s)
        )
        conn.commit()
        conn.execute(sql.SQL("ANALYZE {}.messages").format(s))
        conn.execute(sql.SQL("ANALYZE {}.members").format(s))
        conn.commit()
    return time.monotonic() - started


async def run_searches(
    dsn: str, schema: str, users: int, searches: int, seed: int
) -> list[tuple[float, int]]:
    rng = random.Random(seed + 1)
    search = PostgresSearch(dsn, schema)
    await search.open()
    timings = []
    try:
        for _ in range(searches):
            user = f"u{rng.randrange(users)}"
            word = rng.choices(VOCABULARY, WEIGHTS)[0]
            started = time.perf_counter()
            page = await search.search(user, word, None, 20)
            timings.append((time.perf_counter() - started, len(page.hits)))
    finally:
        await search.close()
    return timings


def _exists(dsn: str, schema: str) -> bool:
    with psycopg.connect(dsn) as conn:
        query = "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s"
        return conn.execute(query, (schema,)).fetchone() is not None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", help="load into this schema and keep it (or reuse it)")
    args = parser.parse_args()
    dsn = Settings.from_env().postgres_dsn or "postgresql://chat:chat@127.0.0.1:5432/chat_test"
    schema = args.keep or f"bench_search_{uuid.uuid4().hex[:8]}"
    loaded = 0.0
    try:
        if not args.keep or not _exists(dsn, schema):
            create_schema(dsn, schema)
            chats = conversations(args.conversations, args.users, random.Random(args.seed))
            loaded = load(dsn, schema, chats, args.messages, args.seed)
        timings = asyncio.run(run_searches(dsn, schema, args.users, args.searches, args.seed))
    finally:
        if not args.keep:
            drop_schema(dsn, schema)
    seconds = [t for t, _ in timings]
    report = {
        "messages": args.messages,
        "conversations": args.conversations,
        "users": args.users,
        "load_seconds": round(loaded, 1),
        "searches": len(seconds),
        "hits_mean": round(statistics.mean(h for _, h in timings), 1),
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
