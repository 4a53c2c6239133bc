"""A PostgreSQL cluster of a test's own: ``initdb`` and ``pg_ctl`` of the
installed PostgreSQL (the binaries ``scripts/postgres.sh`` uses) in a
folder of its own, on a free port, so that a test can crash and restart it
without touching the cluster every other test uses."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from tests.e2e.processes import free_port

ROLE = "chat"
DATABASE = "chat"


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian's layout)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]),
    )
    if not found:
        raise RuntimeError("no PostgreSQL installed (scripts/postgres.sh start installs it)")
    return Path(found[-1]).parent


class PrivatePostgres:
    """``start()`` makes the cluster on first use; ``crash()`` stops it the
    way a crash would (``pg_ctl stop -m immediate``: no checkpoint, what the
    WAL writer had not written is gone); ``close()`` removes everything."""

    def __init__(self) -> None:
        self.port = free_port()
        # Under /tmp, not the test's folder: the server runs as ``postgres``
        # when the tests run as root, and must reach its folder.
        self.folder = Path(tempfile.mkdtemp(prefix="chat-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self._bin = postgres_bin()
        self._run_as: dict[str, Any] = {"user": "postgres"} if os.geteuid() == 0 else {}
        if self._run_as:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def dsn(self) -> str:
        return f"postgresql://{ROLE}:{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        first = not self.data.exists()
        if first:
            self._tool("initdb", "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8")
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c unix_socket_directories={self.folder} -c max_connections=200 "
            "-c shared_buffers=64MB"
        )
        self._tool(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )
        self._wait_until_ready()
        if first:
            with psycopg.connect(self._dsn_of("postgres"), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {DATABASE}")

    def crash(self) -> None:
        self._tool("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self._tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        """Stops the server if it runs and removes its folder."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
                **self._run_as,
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def _dsn_of(self, database: str) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def _wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self._dsn_of("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _tool(self, name: str, *args: str) -> None:
        done = subprocess.run(
            [str(self._bin / name), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.folder,
            **self._run_as,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed: {done.stdout}{done.stderr}")
