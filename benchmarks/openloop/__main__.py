"""``python -m benchmarks.openloop``: starts the real stack (one edge, one
processor, one projector as processes, on the running Kafka, PostgreSQL and
Redis), runs the generator for each scenario, prints a table and writes
the JSON results. ``--smoke`` is a seconds-long run that checks the
harness itself (make test runs it).

``--edges N`` runs N edges (the direct and group sockets follow discovery,
``GET /v1/edge``), ``--fanout-mode user|edge`` picks CHAT_FANOUT_MODE, and
``--private-redis`` runs a Redis of the benchmark's own, whose command
counts each rung reports (``redis_calls``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.openloop.cpu import BROKER_PID_FILES
from benchmarks.openloop.redis_ops import private_redis
from tests.e2e.processes import REPO, Stack, free_port

SUITE: dict[str, dict[str, Any]] = {
    "direct": {"pairs": 20, "rates": [50, 100, 200, 500, 1000, 1500, 2000, 3000]},
    "group50": {"scenario": "group", "group_size": 50, "senders": 2, "rates": [100]},
    "group1000": {"scenario": "group", "group_size": 1000, "senders": 1, "rates": [5]},
    "sync": {"messages": 1000, "repeats": 10},
    "idle": {"sockets": 5000, "users": 100},
}
SMOKE: dict[str, dict[str, Any]] = {
    "direct": {"pairs": 2, "rates": [20], "seconds": 2, "warmup": 0.5},
    "sync": {"messages": 50, "repeats": 2},
    "idle": {"sockets": 20, "users": 2},
}


def stack_env(bootstrap: str = "127.0.0.1:9092", replication_factor: int = 1) -> dict[str, str]:
    name = f"bench{uuid.uuid4().hex[:8]}"
    return {
        "CHAT_KAFKA_BOOTSTRAP": bootstrap,
        "CHAT_REPLICATION_FACTOR": str(replication_factor),
        "CHAT_POSTGRES_DSN": "postgresql://chat:chat@127.0.0.1:5432/chat_test",
        "CHAT_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CHAT_TOPIC_PREFIX": f"{name}.",
        "CHAT_CONSUMER_GROUP_PREFIX": name,
        "CHAT_PG_SCHEMA": name,
        "CHAT_REDIS_PREFIX": f"{name}:",
        "CHAT_PARTITIONS": "8",
        "CHAT_SEND_RATE_PER_SECOND": "1000000",
        "CHAT_SEND_BURST": "1000000",
        "CHAT_LOGIN_ATTEMPTS_PER_MINUTE": "1000000",
        "CHAT_MAX_SOCKETS_PER_USER": "1000",
        "CHAT_WS_SEND_QUEUE_FRAMES": "100000",
    }


def run_scenario(
    stack: Stack, name: str, overrides: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    config = {
        "scenario": name,
        "base_url": stack.base_url,
        "ws_url": stack.ws_url,
        "follow_discovery": args.repo == REPO,  # older checkouts have no GET /v1/edge
        "redis_url": stack.env["CHAT_REDIS_URL"] if args.private_redis else None,
        "roles": {role: process.pid for role, process in stack.processes.items()},
        "seconds": args.seconds,
        "warmup": 2,
        "p99_limit_ms": args.p99_limit_ms,
        **overrides,
    }
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.openloop.generator", json.dumps(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"generator failed for {name}:\n{finished.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    result["scenario_seconds"] = round(time.monotonic() - started, 1)
    return result


def kafka_cluster_bootstrap() -> str:
    """Brings the cluster up (a no-op when it runs) and has the generator
    count the CPU of its three JVMs as ``kafka``."""
    script = REPO / "scripts" / "kafka-cluster.sh"
    subprocess.run([str(script), "up"], check=True, capture_output=True, timeout=300)
    nodes = REPO / ".state" / "kafka-cluster"
    pid_files = [str(nodes / f"node{n}" / "broker.pid") for n in (1, 2, 3)]
    os.environ[BROKER_PID_FILES] = os.pathsep.join(pid_files)
    bootstrap = subprocess.run([str(script), "bootstrap"], check=True, capture_output=True)
    return bootstrap.stdout.decode().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", default=",".join(SUITE), help="comma-separated")
    parser.add_argument("--rates", help="comma-separated offered rates for direct (msg/s)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per rung")
    parser.add_argument("--p99-limit-ms", type=float, default=100.0)
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose server to run")
    parser.add_argument("--out", type=Path, default=REPO / ".state" / "bench" / "openloop.json")
    parser.add_argument("--smoke", action="store_true", help="a seconds-long check of the harness")
    parser.add_argument(
        "--kafka-cluster",
        action="store_true",
        help="on the three-node cluster of scripts/kafka-cluster.sh (brought up), topics RF 3",
    )
    parser.add_argument("--edges", type=int, default=1, help="edge processes (discovery spreads)")
    parser.add_argument("--fanout-mode", choices=("user", "edge"), default="edge")
    parser.add_argument("--private-redis", action="store_true", help="count Redis commands")
    args = parser.parse_args(argv)
    with private_redis() if args.private_redis else contextlib.nullcontext() as redis_url:
        return run(args, redis_url)


def run(args: argparse.Namespace, redis_url: str | None) -> int:
    table = SMOKE if args.smoke else SUITE
    results: dict[str, Any] = {
        "repo": str(args.repo),
        "edges": args.edges,
        "fanout_mode": args.fanout_mode,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    logs = args.out.parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    # The stack's logs stay beside the results.
    env = stack_env()
    if args.kafka_cluster:
        env = stack_env(kafka_cluster_bootstrap(), replication_factor=3)
    env["CHAT_FANOUT_MODE"] = args.fanout_mode
    if redis_url is not None:
        env["CHAT_REDIS_URL"] = redis_url
    stack = Stack(env, logs, repo=args.repo)
    stack.start_all()
    try:
        for number in range(2, args.edges + 1):
            stack.start("edge", name=f"edge-{number}", port=free_port())
        pids = {role: process.pid for role, process in stack.processes.items()}
        (args.out.parent / "pids.json").write_text(json.dumps(pids))
        for name in args.scenarios.split(","):
            if name not in table:
                continue
            overrides = dict(table[name])
            if args.rates and name == "direct":
                overrides["rates"] = [float(rate) for rate in args.rates.split(",")]
            scenario = overrides.pop("scenario", name)
            try:
                results[name] = run_scenario(stack, scenario, overrides, args)
            except RuntimeError as failure:
                # One scenario's failure (e.g. an older server dropping
                # sockets) is a result too; the others still run.
                results[name] = {"error": str(failure)[-2000:]}
            print(json.dumps({name: results[name]}, indent=1), flush=True)
    finally:
        stack.stop_all()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
