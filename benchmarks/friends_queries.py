"""The user directory's prefix search and the friend suggestions, measured
on a generated graph: ``--users`` accounts (default 100,000) and
``--friendships`` friendships (default 1,000,000: two adjacency rows each),
bulk-loaded with COPY into a scratch schema made by the same DDL as the
read models (``infra/postgres/schema.py``), then each query run
``--runs`` times with the very statements the edge runs
(``infra/postgres/friends_queries.py``, prepared, as psycopg prepares them
after a few runs). Prints p50/p90/p99/max, the degree distribution and
``EXPLAIN (ANALYZE, BUFFERS)`` of a typical and a worst case of each.

    .venv/bin/python -m benchmarks.friends_queries [--users 100000] \
        [--friendships 1000000] [--runs 2000] [--keep]

Handles are made of syllables (so prefixes are shared like names are);
friendships pick their ends with a skew (``random() ** 1.6``), so a few
users have thousands of friends and most have a few, as in social graphs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg import sql

from infra.postgres.friends_queries import SEARCH, SUGGESTIONS, search_bounds
from infra.postgres.pool import in_schema
from infra.postgres.schema import create_schema
from tests.support.postgres import drop_schema

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["an", "el", "or", "is"]
SKEW = 1.6


def handles(count: int, rng: random.Random) -> list[str]:
    """Unique handles of 2 to 4 syllables, some with digits or a separator."""
    made: set[str] = set()
    while len(made) < count:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        suffix = rng.choice(["", "", "", str(rng.randint(1, 999)), "_" + rng.choice(SYLLABLES)])
        made.add((name + suffix)[:32])
    ordered = sorted(made)
    rng.shuffle(ordered)
    return ordered


def friendships(users: int, count: int, rng: random.Random) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < count:
        a, b = int(users * rng.random() ** SKEW), int(users * rng.random() ** SKEW)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    return pairs


def load(dsn: str, schema: str, users: int, count: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(users)]
    names = handles(users, rng)
    pairs = friendships(users, count, rng)
    blocks = {(rng.randrange(users), rng.randrange(users)) for _ in range(users // 10)}
    started = time.monotonic()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        target = sql.Identifier(schema)
        with cur.copy(
            sql.SQL(
                "COPY {}.users (user_id, handle, display_name, password_hash) FROM STDIN"
            ).format(target)
        ) as copy:
            for user_id, handle in zip(ids, names, strict=True):
                copy.write_row((user_id, handle, handle.title(), "-"))
        with cur.copy(
            sql.SQL("COPY {}.friendships (user_id, friend_id, since) FROM STDIN").format(target)
        ) as copy:
            for a, b in pairs:
                copy.write_row((ids[a], ids[b], "2026-01-01T00:00:00Z"))
                copy.write_row((ids[b], ids[a], "2026-01-01T00:00:00Z"))
        with cur.copy(
            sql.SQL("COPY {}.blocks (blocker_id, blocked_id, blocked_at) FROM STDIN").format(target)
        ) as copy:
            for a, b in blocks:
                if a != b:
                    copy.write_row((ids[a], ids[b], "2026-01-01T00:00:00Z"))
        conn.commit()
        conn.autocommit = True
        cur.execute(sql.SQL("VACUUM ANALYZE {}.users").format(target))
        cur.execute(sql.SQL("VACUUM ANALYZE {}.friendships").format(target))
        cur.execute(sql.SQL("VACUUM ANALYZE {}.blocks").format(target))
    degrees = [0] * users
    for a, b in pairs:
        degrees[a] += 1
        degrees[b] += 1
    ranked = sorted(range(users), key=degrees.__getitem__)
    return {
        "ids": ids,
        "handles": names,
        "degrees": degrees,
        "ranked": ranked,
        "load_seconds": time.monotonic() - started,
        "blocks": len(blocks),
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    return {
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def timed(
    cur: psycopg.Cursor[Any], query: sql.Composed, params: Iterator[dict[str, Any]], runs: int
) -> tuple[dict[str, float], float]:
    samples: list[float] = []
    rows = 0
    for _ in range(runs):
        values = next(params)
        started = time.perf_counter()
        cur.execute(query, values, prepare=True)
        rows += len(cur.fetchall())
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples), rows / runs


def explain(cur: psycopg.Cursor[Any], query: sql.Composed, params: dict[str, Any]) -> str:
    cur.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS) ") + query, params)
    return "\n".join(row[0] for row in cur.fetchall())


def forever(make: Callable[[], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    while True:
        yield make()


def measure(dsn: str, schema: str, data: dict[str, Any], runs: int, seed: int) -> None:
    rng = random.Random(seed + 1)
    ids, names, degrees, ranked = data["ids"], data["handles"], data["degrees"], data["ranked"]
    search, suggestions = in_schema(SEARCH, schema), in_schema(SUGGESTIONS, schema)

    def a_search(length: int | None = None) -> dict[str, Any]:
        size = length or rng.randint(2, 4)
        low, upper = search_bounds(rng.choice(names)[:size])
        return {"viewer_id": rng.choice(ids), "prefix": low, "upper": upper, "limit": 20}

    def a_viewer(viewer: int | None = None) -> dict[str, Any]:
        chosen = rng.randrange(len(ids)) if viewer is None else viewer
        return {"viewer_id": ids[chosen], "limit": 20}

    heaviest = ranked[-1]
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cur:
        for _ in range(50):  # warm the cache and the prepared statements
            cur.execute(search, a_search(), prepare=True)
            cur.fetchall()
            cur.execute(suggestions, a_viewer(), prepare=True)
            cur.fetchall()
        results = {
            "search, 2-4 character prefixes": timed(cur, search, forever(a_search), runs),
            "search, 2 character prefixes": timed(cur, search, forever(lambda: a_search(2)), runs),
            "suggestions, random users": timed(cur, suggestions, forever(a_viewer), runs),
            "suggestions, the 1% of users with most friends": timed(
                cur,
                suggestions,
                forever(lambda: a_viewer(ranked[-1 - rng.randrange(len(ids) // 100)])),
                max(runs // 4, 1),
            ),
        }
        median = statistics.median(degrees)
        typical = min(range(len(ids)), key=lambda i: abs(degrees[i] - median))
        plans = {
            "search (prefix of 2)": explain(cur, search, a_search(2)),
            "suggestions (a user of median degree)": explain(cur, suggestions, a_viewer(typical)),
            "suggestions (the user with most friends)": explain(
                cur, suggestions, a_viewer(heaviest)
            ),
        }
    report(data, results, plans, runs)


def report(data: dict[str, Any], results: dict[str, Any], plans: dict[str, str], runs: int) -> None:
    degrees = sorted(data["degrees"])
    print(
        f"users {len(degrees)}, friendships {sum(degrees) // 2} ({sum(degrees)} adjacency rows),"
        f" blocks {data['blocks']}; loaded (COPY + VACUUM ANALYZE) in {data['load_seconds']:.1f} s"
    )
    median, mean = statistics.median(degrees), statistics.fmean(degrees)
    print(
        f"friends per user: median {median}, mean {mean:.1f},"
        f" p99 {degrees[int(0.99 * len(degrees))]}, max {degrees[-1]}"
    )
    print("\n| query | runs | p50 ms | p90 ms | p99 ms | max ms | rows |")
    print("|---|---|---|---|---|---|---|")
    for name, (stats, rows) in results.items():
        count = runs if "1%" not in name else max(runs // 4, 1)
        print(
            f"| {name} | {count} | {stats['p50']:.2f} | {stats['p90']:.2f} | {stats['p99']:.2f}"
            f" | {stats['max']:.2f} | {rows:.1f} |"
        )
    for name, plan in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {name}:\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dsn",
        default=os.environ.get(
            "CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
        ),
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--friendships", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="leave the scratch schema")
    args = parser.parse_args()
    schema = f"bench_friends_{uuid.uuid4().hex[:8]}"
    create_schema(args.dsn, schema)
    try:
        data = load(args.dsn, schema, args.users, args.friendships, args.seed)
        measure(args.dsn, schema, data, args.runs, args.seed)
    finally:
        if args.keep:
            print(f"\nkept schema {schema}")
        else:
            drop_schema(args.dsn, schema)


if __name__ == "__main__":
    main()
