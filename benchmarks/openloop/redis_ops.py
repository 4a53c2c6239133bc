"""Redis commands served during a rung (``INFO commandstats``): meaningful
on a Redis of the benchmark's own (``--private-redis``), not a shared one."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

import redis

from tests.e2e.processes import free_port


def calls(url: str) -> dict[str, int]:
    """Calls so far per command (``publish``, ``zrangebyscore``, ``evalsha``, ...)."""
    client = redis.Redis.from_url(url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    moved = {name: count - before.get(name, 0) for name, count in after.items()}
    moved.pop("info", None)  # our own sampling
    return {name: count for name, count in sorted(moved.items()) if count > 0}


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of the benchmark's own on a free loopback port (no
    persistence), stopped on exit; yields its URL."""
    port = free_port()
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                calls(url)
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
