"""Two (or more) processes of each role, as real ``chatapp`` processes on
loopback, under a supervisor that restarts any process that exits, as
systemd's ``Restart=always`` or a Kubernetes Deployment would: the roles
are crash-only (docs/operations.md), so restarting them is part of the
system under test, not of the test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from confluent_kafka import ConsumerGroupState
from confluent_kafka.admin import AdminClient

from app.supervise import STACKS_SIGNAL
from tests.e2e.processes import REPO, free_port

ROLES = ("processor", "projector", "edge")
RESTART_DELAY = 0.5  # systemd's RestartSec; a crash loop while a service is down
START_TIMEOUT = 90.0


@dataclass(frozen=True)
class Exit:
    name: str
    code: int
    at: float  # time.monotonic()
    intended: bool  # kill -9 or SIGTERM by the schedule, not the process's own doing


@dataclass
class Slot:
    """One supervised process: its role, its own settings, its port (edges)."""

    name: str
    role: str
    env: dict[str, str]
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    held: bool = False  # taken down on purpose: the supervisor leaves it alone
    intended_exit: bool = False


@dataclass
class Fleet:
    env: dict[str, str]
    log_dir: Path
    per_role: int = 2
    slots: dict[str, Slot] = field(default_factory=dict)
    exits: list[Exit] = field(default_factory=list)

    def __post_init__(self) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_")}
        self._base = {**inherited, **self.env, "CHAT_LOG_LEVEL": "INFO"}
        for role in ROLES:
            for number in range(self.per_role):
                self._add_slot(role, number)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)

    def _add_slot(self, role: str, number: int) -> None:
        name = f"{role}-{number}"
        own: dict[str, str] = {}
        port = None
        if role == "edge":
            port = free_port()
            own = {"CHAT_PORT": str(port), "CHAT_WORKER_ID": str(100 + number)}
        elif role == "processor":
            # A stable id per slot (docs/operations.md): a restarted processor
            # fences its crashed predecessor's transaction at once.
            own = {"CHAT_PROCESSOR_ID": f"slot{number}"}
        self.slots[name] = Slot(name, role, {**self._base, **own}, port)

    # -- what the clients use ---------------------------------------------

    def names(self, role: str) -> list[str]:
        return [name for name, slot in self.slots.items() if slot.role == role]

    @property
    def ws_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{self.slots[n].port}/v1/ws" for n in self.names("edge")]

    @property
    def base_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.slots[n].port}" for n in self.names("edge")]

    # -- life cycle -------------------------------------------------------

    def start(self) -> None:
        for role in ROLES:
            for name in self.names(role):
                self._launch(self.slots[name])
        for name in self.slots:
            self.wait_ready(name)
        self._supervisor.start()

    def close(self) -> None:
        self._stop.set()
        if self._supervisor.is_alive():
            self._supervisor.join(timeout=10)
        running = [s.process for s in self.slots.values() if s.process and s.process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGCONT)
                process.terminate()
        for process in running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _launch(self, slot: Slot) -> None:
        slot.starts += 1
        log = open(self.log_dir / f"{slot.name}-{slot.starts}.log", "wb")  # noqa: SIM115
        slot.intended_exit = False
        slot.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", slot.role],
            cwd=REPO,
            env=slot.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def _supervise(self) -> None:
        while not self._stop.wait(0.1):
            for slot in self.slots.values():
                with self._lock:
                    process = slot.process
                    if slot.held or process is None or (code := process.poll()) is None:
                        continue
                    self.exits.append(Exit(slot.name, code, time.monotonic(), slot.intended_exit))
                    slot.process = None
                threading.Thread(target=self._restart_later, args=(slot,), daemon=True).start()

    def _restart_later(self, slot: Slot) -> None:
        if self._stop.wait(RESTART_DELAY):
            return
        with self._lock:
            if slot.process is None and not slot.held:
                self._launch(slot)

    # -- faults -----------------------------------------------------------

    def kill(self, name: str) -> None:
        """kill -9; the supervisor starts it again."""
        self._signal(name, signal.SIGKILL, intended=True)

    def pause(self, name: str) -> None:
        self._signal(name, signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self._signal(name, signal.SIGCONT)

    def _signal(self, name: str, signum: int, intended: bool = False) -> None:
        with self._lock:
            slot = self.slots[name]
            if slot.process is not None and slot.process.poll() is None:
                slot.intended_exit = intended
                slot.process.send_signal(signum)

    def restart_gracefully(self, name: str, timeout: float = 30.0) -> tuple[float, float]:
        """SIGTERM, wait for the exit, start it again and wait until it is ready:
        one step of a rolling restart. Returns (seconds to stop, to be ready)."""
        slot = self.slots[name]
        with self._lock:
            slot.held = True
            process = slot.process
        assert process is not None, f"{name} is not running"
        began = time.monotonic()
        slot.intended_exit = True
        process.terminate()
        code = process.wait(timeout=timeout)
        stopped = time.monotonic()
        self.exits.append(Exit(name, code, stopped, True))
        with self._lock:
            self._launch(slot)
            slot.held = False
        self.wait_ready(name)
        return stopped - began, time.monotonic() - stopped

    # -- readiness --------------------------------------------------------

    def wait_ready(self, name: str, timeout: float = START_TIMEOUT) -> None:
        slot = self.slots[name]
        deadline = time.monotonic() + timeout
        while not self._ready(slot):
            if time.monotonic() > deadline:
                self.dump_stacks(slot.role)
                raise TimeoutError(f"{name} not ready within {timeout:.0f} s; see {self.log_dir}")
            time.sleep(0.2)

    def dump_stacks(self, role: str) -> None:
        """Every thread's stack of each running process of ``role``, into its
        log (the roles' SIGUSR1, app.supervise): where a process that lives
        but is not ready is."""
        for slot in self.slots.values():
            if slot.role == role and slot.process is not None and slot.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    slot.process.send_signal(STACKS_SIGNAL)

    def _ready(self, slot: Slot) -> bool:
        if slot.role == "edge":
            try:
                url = f"http://127.0.0.1:{slot.port}/openapi.json"
                return httpx.get(url, timeout=2).status_code == 200
            except httpx.HTTPError:
                return False
        return all(self._group_settled(group) for group in self._groups(slot.role))

    def _groups(self, role: str) -> list[str]:
        prefix = self.env.get("CHAT_CONSUMER_GROUP_PREFIX", "chat")
        names = ["processor"] if role == "processor" else ["projector", "presence"]
        return [f"{prefix}-{name}" for name in names]

    def _group_settled(self, group: str) -> bool:
        """Every process of the role is in the group, each with partitions."""
        members = self._settled_members(group)
        return members is not None

    def _settled_members(self, group: str) -> frozenset[str] | None:
        """The member ids of a stable group with every process of the role
        in it and partitions for each; None while it is not like that."""
        # A new client each time: one kept across a broker restart was seen
        # to leave its futures unresolved for good.
        config: dict[str, str | int | float | bool] = {
            "bootstrap.servers": self.env["CHAT_KAFKA_BOOTSTRAP"],
            "log_level": 2,  # its teardown and connection errors are no news here
        }
        admin = AdminClient(config)
        try:
            [future] = admin.describe_consumer_groups([group], request_timeout=5).values()
            description = future.result(timeout=10)
        except Exception:  # the broker or the group is not there yet
            return None
        members = description.members
        settled = (
            description.state == ConsumerGroupState.STABLE
            and len(members) == self.per_role
            and all(m.assignment and m.assignment.topic_partitions for m in members)
        )
        return frozenset(m.member_id for m in members) if settled else None

    def kill_and_wait(self, name: str, timeout: float = START_TIMEOUT) -> None:
        """kill -9, then wait until the supervisor's new process is ready and,
        for a consumer, its groups hold it instead of the killed member."""
        slot = self.slots[name]
        groups = [] if slot.role == "edge" else self._groups(slot.role)
        before = {group: self._settled_members(group) for group in groups}
        starts = slot.starts
        self.kill(name)
        deadline = time.monotonic() + timeout
        while not (
            slot.starts > starts
            and self._ready(slot)
            and all(self._settled_members(g) not in (None, before[g]) for g in groups)
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not back within {timeout:.0f} s; see {self.log_dir}")
            time.sleep(0.2)

    def unintended_exits(self) -> list[Exit]:
        return [exit for exit in self.exits if not exit.intended]

    def wait_all_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Every process runs and is ready (after a fault: whole again)."""
        deadline = time.monotonic() + timeout
        for name in self.slots:
            self.wait_ready(name, max(1.0, deadline - time.monotonic()))
