"""A PostgreSQL primary and its streaming replica of a test's own, made by
scripts/postgres-replica.sh on free loopback ports, in a folder of its own
(removed by ``down``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.processes import free_port

SCRIPT = Path(__file__).parents[2] / "scripts" / "postgres-replica.sh"


@dataclass
class ReplicaPair:
    primary_port: int
    replica_port: int
    folder: Path

    @property
    def primary_dsn(self) -> str:
        return f"postgresql://chat:chat@127.0.0.1:{self.primary_port}/chat"

    @property
    def replica_dsn(self) -> str:
        return f"postgresql://chat:chat@127.0.0.1:{self.replica_port}/chat"

    @property
    def replica_log(self) -> Path:
        return self.folder / "state" / "replica.log"

    def run(self, command: str) -> str:
        env = {
            **os.environ,
            "CHAT_PG_PRIMARY_PORT": str(self.primary_port),
            "CHAT_PG_REPLICA_PORT": str(self.replica_port),
            "CHAT_PG_REPLICA_STATE": str(self.folder / "state"),
        }
        done = subprocess.run(
            [str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"postgres-replica.sh {command}: {done.stdout}{done.stderr}")
        return done.stdout


def start_pair() -> ReplicaPair:
    """Up and streaming; ``stop_pair`` it."""
    folder = Path(tempfile.mkdtemp(prefix="chat-pg-replica-"))
    folder.chmod(0o755)  # the servers run as postgres under root and must reach it
    primary = free_port()
    replica = free_port()
    while replica == primary:
        replica = free_port()
    pair = ReplicaPair(primary, replica, folder)
    try:
        pair.run("up")
    except BaseException:
        stop_pair(pair)
        raise
    return pair


def stop_pair(pair: ReplicaPair) -> None:
    try:
        pair.run("down")
    finally:
        shutil.rmtree(pair.folder, ignore_errors=True)
