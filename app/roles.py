"""The long-running roles: serve (embedded default or all roles on the real
services), edge, processor, projector, notifier, friends, and stack (each
role a process)."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.health import process_health
from app.server import serve_app
from app.settings import Settings
from app.supervise import dump_stacks_on_signal, stop_on_signals, supervised

if TYPE_CHECKING:
    from app.health_server import HealthServer

log = logging.getLogger("chatapp")


def serve(settings: Settings) -> None:
    if settings.embedded:
        from app.embedded import NOT_DURABLE_WARNING, embedded_edge

        banner = "!" * 78
        print(f"{banner}\n{NOT_DURABLE_WARNING}\n{banner}", flush=True)
        log.warning(NOT_DURABLE_WARNING)
        serve_app(settings, embedded_edge)
        return
    from app.real_stack import (
        real_edge,
        run_friends_projector,
        run_notifier,
        run_processor,
        run_projector,
    )

    stop = threading.Event()
    workers = [
        supervised(run.__name__, run, settings, stop)
        for run in (run_processor, run_projector, run_notifier, run_friends_projector)
    ]
    for worker in workers:
        worker.start()
    try:
        serve_app(settings, real_edge)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)


def edge(settings: Settings) -> None:
    from app.real_stack import real_edge

    settings.require_services()
    dump_stacks_on_signal()
    serve_app(settings, real_edge)


def processor(settings: Settings) -> None:
    from app.real_stack import run_processor

    _run_role(settings, "processor", settings.processor_health_port, run_processor)


def projector(settings: Settings) -> None:
    from app.real_stack import run_projector

    _run_role(settings, "projector", settings.projector_health_port, run_projector)


def notifier(settings: Settings) -> None:
    from app.real_stack import run_notifier

    _run_role(settings, "notifier", settings.notifier_health_port, run_notifier)


def _run_role(
    settings: Settings,
    role: str,
    health_port: int,
    run: Callable[[Settings, threading.Event], None],
) -> None:
    """Runs a role until SIGTERM, with its health server if it has a port."""
    settings.require_services()
    dump_stacks_on_signal()
    stop = stop_on_signals()
    health = _health_server(settings, role, health_port, stop)
    try:
        run(settings, stop)
    finally:
        if health is not None:
            health.close()


def _health_server(
    settings: Settings, role: str, port: int, stop: threading.Event
) -> HealthServer | None:
    """``/healthz``, ``/readyz`` and ``/metrics`` on ``port`` (0: none)."""
    from app.health_server import HealthServer
    from app.real_stack import role_probes

    board = process_health()
    board.max_lag = settings.ready_max_lag
    board.stopping = stop
    if port == 0:
        return None
    return HealthServer(settings.health_host, port, board, role_probes(settings, role)).start()


def friends(settings: Settings) -> None:
    from app.real_stack import run_friends_projector

    _run_role(settings, "friends", settings.friends_health_port, run_friends_projector)


def stack(settings: Settings) -> None:
    """The five roles as separate processes; stops them all on Ctrl-C."""
    settings.require_services()
    processes = [
        subprocess.Popen([sys.executable, "-m", "app.cli", role])
        for role in ("processor", "projector", "notifier", "friends", "edge")
    ]
    stop = stop_on_signals(grace=40.0)  # the roles' own stops come first
    try:
        while not stop.wait(0.5):
            if any(process.poll() is not None for process in processes):
                log.error("a role exited; stopping the stack")
                break
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(timeout=30)
