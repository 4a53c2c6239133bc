"""The six-node Redis Cluster of scripts/redis-cluster.sh, for the cluster
variants of the Redis tests: started if it is not running (or healed if a
node is down), and stopped at the end of a session that started it; if it
cannot start, the test fails with the script's reason."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "redis-cluster.sh"
FIRST_PORT = int(os.environ.get("CHAT_REDIS_CLUSTER_PORT", "17000"))
PORTS = [FIRST_PORT + n for n in range(6)]
URL = "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in PORTS)
"""Every node a seed: a client made while one is dead still finds the rest."""


def redis_cluster_up() -> bool:
    """Once every node reports cluster_state:ok and every master has a
    replica in sync (one that can take over); True if this call started it
    (it was not running before)."""
    done = _script("up")
    return "already running" not in done


def redis_cluster_down() -> None:
    _script("down")


def _script(command: str) -> str:
    done = subprocess.run([str(SCRIPT), command], capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        reason = done.stderr or done.stdout
        raise RuntimeError(f"scripts/redis-cluster.sh {command} failed: {reason}")
    return done.stdout
