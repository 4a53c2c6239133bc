"""CPU seconds of the processes on the box, from /proc: the roles, the
broker's JVM, every PostgreSQL backend, Redis, and the generator."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
INFRA_COMMANDS = {"postgres": "postgres", "redis-server": "redis"}
BROKER_PID_FILES = "CHAT_BENCH_BROKER_PID_FILES"
"""The pid files of the brokers whose CPU counts as ``kafka`` (os.pathsep
between them); default: the broker scripts/kafka.sh started for this checkout."""


@dataclass(frozen=True)
class Sample:
    seconds: dict[str, float]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its finished children, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return (utime + stime + cutime + cstime) / TICKS


def _infra_pids() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        name = INFRA_COMMANDS.get(command)
        if name is not None:
            found.setdefault(name, []).append(int(entry.name))
    brokers = _broker_pids()
    if brokers:
        found["kafka"] = brokers
    return found


def _broker_pids() -> list[int]:
    """The brokers of BROKER_PID_FILES (not a test's own)."""
    default = Path(__file__).resolve().parents[2] / ".state" / "kafka" / "broker.pid"
    pids = []
    for pid_file in os.environ.get(BROKER_PID_FILES, str(default)).split(os.pathsep):
        try:
            pids.append(int(Path(pid_file).read_text().strip()))
        except (OSError, ValueError):
            continue
    return pids


def sample(roles: dict[str, int]) -> Sample:
    """CPU seconds so far of each named role pid and of each infrastructure group."""
    seconds = {name: cpu_seconds(pid) for name, pid in roles.items()}
    for name, pids in _infra_pids().items():
        seconds[name] = sum(cpu_seconds(pid) for pid in pids)
    return Sample(seconds)


def usage(before: Sample, after: Sample, wall: float) -> dict[str, float]:
    """Per process group: percent of one core over ``wall`` seconds."""
    return {
        name: round(100 * (after.seconds.get(name, 0.0) - spent) / wall, 1)
        for name, spent in before.seconds.items()
    }


def spent(before: Sample, after: Sample) -> dict[str, float]:
    """CPU seconds each process group used between the two samples."""
    return {
        name: round(after.seconds.get(name, 0.0) - used, 3) for name, used in before.seconds.items()
    }


def per_message_ms(seconds: dict[str, float], messages: int, exclude: str = "generator") -> float:
    """CPU milliseconds per message summed over every group but ``exclude``."""
    server = sum(value for name, value in seconds.items() if name != exclude)
    return round(1000 * server / max(messages, 1), 3)
