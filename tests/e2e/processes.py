"""Runs the real roles as subprocesses on one isolated namespace of the stack."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Stack:
    """Edge, processor and projector processes sharing topics, schema and keys."""

    def __init__(self, env: dict[str, str], log_dir: Path, repo: Path = REPO) -> None:
        self.repo = repo
        self.port = free_port()
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_")}
        self.env = {**inherited, **env, "CHAT_PORT": str(self.port), "CHAT_LOG_LEVEL": "INFO"}
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._starts = 0

    @property
    def cli_module(self) -> str:
        """The checkout's entry module (``infra.cli`` before the wiring moved
        to ``app/``), so a benchmark can run an older checkout's server."""
        return "app.cli" if (self.repo / "app" / "cli.py").exists() else "infra.cli"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/ws"

    def start(self, role: str, name: str | None = None, port: int | None = None) -> None:
        """Starts a role; ``name`` and ``port`` run a further edge beside the first."""
        name = name or role
        self._starts += 1
        log = open(self.log_dir / f"{name}-{self._starts}.log", "wb")  # noqa: SIM115
        env = {**self.env, "CHAT_PORT": str(port or self.port)}
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", self.cli_module, role],
            cwd=self.repo,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if role in ("edge", "serve"):
            self.wait_for_edge(name, port or self.port)

    def start_second_edge(self) -> str:
        """Another edge process on the same stack; returns its WebSocket URL."""
        port = free_port()
        self.start("edge", name="edge-2", port=port)
        return f"ws://127.0.0.1:{port}/v1/ws"

    def start_all(self) -> None:
        for role in ("processor", "projector", "edge"):
            self.start(role)

    def wait_for_edge(self, role: str = "edge", port: int = 0, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[role].poll() is not None:
                raise RuntimeError(f"the edge exited; see {self.log_dir}")
            try:
                url = f"http://127.0.0.1:{port or self.port}/openapi.json"
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("the edge did not start")

    def pause(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGCONT)

    def exited(self) -> dict[str, int]:
        """The processes that ended, with their exit status."""
        return {
            name: code
            for name, process in self.processes.items()
            if (code := process.poll()) is not None
        }

    def kill(self, role: str) -> None:
        process = self.processes.pop(role)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for _role, process in self.processes.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


# Limits high enough that throughput tests measure the server, not its buckets.
HIGH_LIMITS = {
    "CHAT_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
    "CHAT_SEND_RATE_PER_SECOND": "100000",
    "CHAT_SEND_BURST": "100000",
    "CHAT_READ_RATE_PER_SECOND": "100000",
    "CHAT_READ_BURST": "100000",
    "CHAT_RECEIPT_RATE_PER_SECOND": "100000",
    "CHAT_RECEIPT_BURST": "100000",
}


@contextlib.contextmanager
def embedded_server(log_dir: Path, env: dict[str, str]) -> Iterator[Stack]:
    """``chatapp serve`` with nothing configured (all roles, in memory)."""
    server = Stack(env, log_dir)
    server.start("serve")
    try:
        yield server
    finally:
        server.stop_all()
